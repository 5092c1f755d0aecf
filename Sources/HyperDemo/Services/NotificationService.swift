import Foundation
import Hyper
import Synchronization

/// A notification for one user.
struct UserNotification: Sendable, Codable {
    let title: String
    let message: String
    let timestamp: String
    /// The user's unread notifications, this one included.
    let unreadCount: Int
}

/// Publishes notifications to the users' open streams, one topic per user.
/// A stream that reconnects gets the notifications it missed.
final class NotificationService: Sendable {
    let hub: Hub<Int, UserNotification>
    private let unread = Mutex<[Int: Int]>([:])

    init(hub: Hub<Int, UserNotification>) {
        self.hub = hub
    }

    /// The notifications for `userID` from `start` on.
    func subscribe(userID: Int, from start: ResumePoint) -> Hub<Int, UserNotification>.Subscription {
        hub.subscribe(to: userID, from: start)
    }

    /// Sends a notification to `userID`, once per `idempotencyKey`; returns its id.
    func publish(to userID: Int, title: String, message: String, idempotencyKey: IdempotencyKey? = nil)
        async throws -> EventID
    {
        let count = unread.withLock { counts in
            counts[userID, default: 0] += 1
            return counts[userID]!
        }
        let notification = UserNotification(
            title: title, message: message, timestamp: Date.now.formatted(.iso8601), unreadCount: count)
        return try await hub.publish(notification, to: userID, idempotencyKey: idempotencyKey)
    }
}
