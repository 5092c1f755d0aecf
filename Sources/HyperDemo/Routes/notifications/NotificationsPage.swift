import Hyper

/// `/notifications?user_id=N`: a user's live notifications, and a form that sends one.
struct NotificationsPage: Page {
    let userID: Int

    init(request: Request) throws {
        userID = try NotificationsPage.userID(in: request.query["user_id"] ?? "1")
    }

    /// The `user_id` a notification route was given, as a number; a 400 otherwise.
    static func userID(in raw: String?) throws(HTTPError) -> Int {
        guard let raw, let userID = Int(raw) else {
            throw HTTPError(.badRequest, message: "user_id must be a number, not “\(raw ?? "")”.")
        }
        return userID
    }

    var body: HTML {
        Layout(title: "Notifications") {
            """
            <h1>Notifications for user \(userID)</h1>
            <div hx-ext="sse" sse-connect="/notifications/stream?user_id=\(userID)">
            <p>Unread: <span sse-swap="count">0</span></p>
            <div sse-swap="message"></div>
            <div id="notifications" sse-swap="notification" hx-swap="afterbegin"></div>
            </div>
            <form hx-post="/notifications" hx-swap="none" hx-on::after-request="this.reset()">
            <input type="hidden" name="user_id" value="\(userID)">
            <input name="title" placeholder="Title" required>
            <input name="message" placeholder="Message">
            <button>Notify</button>
            </form>
            """
        }
    }
}
