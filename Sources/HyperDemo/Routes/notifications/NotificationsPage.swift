import Hyper

/// `/notifications`: the signed-in user's recent notifications, live through
/// `/notifications/stream?after=<id>`, and a form that sends one to any user. On a `reset` the
/// `inbox` fragment asks for itself again (fresh notifications, a new stream link). Visitors are
/// sent to `/login`; a `user_id` that is not the signed-in user's is refused with 403.
struct NotificationsPage: Page, FragmentPage {
    static let access = Access.signedIn.redirectingStrangers(to: "/login")
    /// How many recent notifications the page shows.
    static let recentCount = 20

    let viewer: Viewer
    let userID: Int
    let recent: HubSnapshot<UserNotification>
    let pageURL: RouteURL
    let streamURL: RouteURL
    let publishURL: RouteURL

    init(request: Request) async throws {
        viewer = Viewer(request)
        userID = try NotificationsPage.ownUserID(of: request)
        recent = try await request.service(NotificationService.self).hub.recent(Self.recentCount, in: userID)
        pageURL = try NotificationsPage.url()
        streamURL = try NotificationStream.url(query: ["after": recent.position.description])
        publishURL = try PublishNotification.url()
    }

    /// The signed-in user's id; a 403 when the query's `user_id` names someone else (a user reads
    /// their own notifications only).
    static func ownUserID(of request: Request) throws(HTTPError) -> Int {
        let userID = try Viewer.userID(of: request)
        if let asked = request.query["user_id"], asked != String(userID) {
            throw HTTPError(.forbidden, message: "These are not your notifications.")
        }
        return userID
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
            \(signedOutListener)
            <div id="notifications" sse-swap="notification" hx-swap="afterbegin">
            \(recent.events.reversed().map(\.message.html))
            </div>
            """
        }
    }

    var body: HTML {
        Layout(title: "Notifications", viewer: viewer) {
            """
            <h1>Notifications for \(viewer.user?.name ?? "user \(userID)")</h1>
            \(inboxFragment)
            <form hx-post="\(publishURL)" hx-swap="none" hx-on::after-request="this.reset()">
            <label>To <select name="user_id">
            \(SampleStore.users.keys.sorted().map { id -> HTML in
                "<option value=\"\(id)\"\(id == userID ? " selected" : "")>\(SampleStore.users[id]?.name ?? "")</option>\n"
            })
            </select></label>
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
