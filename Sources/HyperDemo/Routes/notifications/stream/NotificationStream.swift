import Hyper

/// `/notifications/stream?user_id=N`: the seed's live notifications, in its three formats.
struct NotificationStream: EventStream {
    let userID: Int

    init(request: Request) throws {
        userID = try NotificationsPage.userID(in: request.query["user_id"])
    }

    func stream(to events: EventSink) async throws {
        let notifications = DemoServices.shared.notifications.subscribe(userID: userID)
        try await events.send(#"<div class="info">Connected to notifications</div>"# as HTML)
        for await notification in notifications {
            try await events.send(
                "notification",
                """
                <div class="notification">
                <strong>\(notification.title)</strong>
                <p>\(notification.message)</p>
                <time>\(notification.timestamp)</time>
                </div>
                """ as HTML)
            try await events.send(ServerSentEvent(event: "count", data: ["unread": notification.unreadCount]))
        }
    }
}
