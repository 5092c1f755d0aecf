import Hyper
import Synchronization

/// The users' statuses (online, away, …), and a hub that tells whose status changed.
final class StatusService: Sendable {
    /// Publishes the user id whose status changed.
    let hub = Hub<Int, Void>()
    private let statuses = Mutex<[Int: String]>([:])

    /// The status of `userID`, `offline` until set.
    func status(of userID: Int) -> String {
        statuses.withLock { $0[userID] } ?? "offline"
    }

    /// Sets the status of `userID` and tells its subscribers; returns how many there were.
    func setStatus(_ status: String, of userID: Int) -> Int {
        statuses.withLock { $0[userID] = status }
        return hub.publish((), to: userID)
    }

    /// A signal each time the status of `userID` changes.
    func updates(of userID: Int) -> Hub<Int, Void>.Subscription {
        hub.subscribe(to: userID)
    }
}
