import Hyper

/// `/notifications?user_id=N`: a user's recent notifications, live through
/// `/notifications/stream?user_id=N&after=<id>`, and a form that sends one. On a `reset` the
/// `inbox` fragment asks for itself again (fresh notifications, a new stream link).
struct NotificationsPage: Page, FragmentPage {
    /// How many recent notifications the page shows.
    static let recentCount = 20

    let userID: Int
    let recent: HubSnapshot<UserNotification>
    let pageURL: RouteURL
    let streamURL: RouteURL
    let publishURL: RouteURL

    init(request: Request) async throws {
        userID = try NotificationsPage.userID(in: request.query["user_id"] ?? "1")
        recent = try await request.service(NotificationService.self).hub.recent(Self.recentCount, in: userID)
        pageURL = try NotificationsPage.url(query: ["user_id": String(userID)])
        streamURL = try NotificationStream.url(
            query: ["user_id": String(userID), "after": recent.position.description])
        publishURL = try PublishNotification.url()
    }

    /// The `user_id` a notification route was given, as a number; a 400 otherwise.
    static func userID(in raw: String?) throws(HTTPError) -> Int {
        guard let raw, let userID = Int(raw) else {
            throw HTTPError(.badRequest, message: "user_id must be a number, not “\(raw ?? "")”.")
        }
        return userID
    }

    var inboxFragment: Fragment {
        Fragment(
            id: "inbox",
            attributes: """
                hx-ext="sse" sse-connect="\(streamURL)" \
                hx-get="\(pageURL)" hx-trigger="sse:reset" hx-swap="outerHTML"
                """
        ) {
            """
            <p>Unread: <span sse-swap="count">\(recent.events.last?.message.unreadCount ?? 0)</span></p>
            <div sse-swap="message"></div>
            <div id="notifications" sse-swap="notification" hx-swap="afterbegin">
            \(recent.events.reversed().map(\.message.html))
            </div>
            """
        }
    }

    var body: HTML {
        Layout(title: "Notifications") {
            """
            <h1>Notifications for user \(userID)</h1>
            \(inboxFragment)
            <form hx-post="\(publishURL)" hx-swap="none" hx-on::after-request="this.reset()">
            <input type="hidden" name="user_id" value="\(userID)">
            <input name="title" placeholder="Title" required>
            <input name="message" placeholder="Message">
            <button>Notify</button>
            </form>
            """
        }
    }

    func fragment(id: String) -> Fragment? {
        id == inboxFragment.id ? inboxFragment : nil
    }
}
