import Hyper
import Synchronization

/// A user's status changed to `status`.
struct StatusChange: Sendable, Codable {
    let status: String
}

/// The users' statuses (online, away, …), and a hub that tells whose status changed.
final class StatusService: Sendable {
    /// Publishes each change of a user's status, by user id.
    let hub: Hub<Int, StatusChange>
    private let statuses = Mutex<[Int: String]>([:])

    init(hub: Hub<Int, StatusChange>) {
        self.hub = hub
    }

    /// The status of `userID`, `offline` until set, and the position of its last change:
    /// a stream resuming after that position sends every later change.
    func status(of userID: Int) async throws -> (status: String, position: EventID) {
        let snapshot = try await hub.recent(1, in: userID)
        let status = snapshot.events.last?.message.status ?? statuses.withLock { $0[userID] } ?? "offline"
        return (status, snapshot.position)
    }

    /// Sets the status of `userID` and tells its subscribers; returns the change's id.
    func setStatus(_ status: String, of userID: Int) async throws -> EventID {
        statuses.withLock { $0[userID] = status }
        return try await hub.publish(StatusChange(status: status), to: userID)
    }

    /// Each change of the status of `userID` from `start` on.
    func updates(of userID: Int, from start: ResumePoint) -> Hub<Int, StatusChange>.Subscription {
        hub.subscribe(to: userID, from: start)
    }
}
