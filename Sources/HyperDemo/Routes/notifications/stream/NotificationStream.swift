import Hyper

/// `/notifications/stream`: the signed-in user's live notifications, in three event formats. Each
/// notification is an HTML `notification` event and a JSON `count` event carrying its id; the
/// stream resumes after `Last-Event-ID` or `?after=`, or sends `reset` when it cannot. 401 for
/// visitors, 403 for a `user_id` not the signed-in user's; ends with `signed-out` when the
/// session does.
struct NotificationStream: EventStream {
    static let access = Access.signedIn
    let userID: Int
    let start: ResumePoint
    let notifications: NotificationService

    init(request: Request) throws {
        userID = try NotificationsPage.ownUserID(of: request)
        start = request.resumePoint
        notifications = try request.service(NotificationService.self)
    }

    func stream(to events: EventSink) async throws {
        let deliveries = notifications.subscribe(userID: userID, from: start)
        try await events.send(#"<div class="info">Connected to notifications</div>"# as HTML)
        try await events.send(position: deliveries.start)
        for await delivery in deliveries {
            switch delivery {
            case .event(let event):
                try await events.send(event) { event in
                    [
                        try ServerSentEvent(event: "notification", data: event.message.html),
                        try ServerSentEvent(event: "count", data: ["unread": event.message.unreadCount]),
                    ]
                }
            case .reset(let reset):
                try await events.send(reset)
            }
        }
    }
}

extension UserNotification {
    /// The notification as the page and the stream show it.
    var html: HTML {
        """
        <div class="notification">
        <strong>\(title)</strong>
        <p>\(message)</p>
        <time>\(timestamp)</time>
        </div>
        """
    }
}
