import Foundation
import Hyper
import Synchronization

/// A notification for one user.
struct UserNotification: Sendable {
    let title: String
    let message: String
    let timestamp: String
    /// The user's unread notifications, this one included.
    let unreadCount: Int
}

/// Publishes notifications to the users' open streams: the seed's `subscribe_to_notifications`.
final class NotificationService: Sendable {
    let hub = Hub<Int, UserNotification>()
    private let unread = Mutex<[Int: Int]>([:])

    /// The notifications for `userID` from now on.
    func subscribe(userID: Int) -> Hub<Int, UserNotification>.Subscription {
        hub.subscribe(to: userID)
    }

    /// Sends a notification to `userID`; returns how many open streams received it.
    func publish(to userID: Int, title: String, message: String) -> Int {
        let count = unread.withLock { counts in
            counts[userID, default: 0] += 1
            return counts[userID]!
        }
        let notification = UserNotification(
            title: title, message: message, timestamp: Date.now.formatted(.iso8601), unreadCount: count)
        return hub.publish(notification, to: userID)
    }
}
