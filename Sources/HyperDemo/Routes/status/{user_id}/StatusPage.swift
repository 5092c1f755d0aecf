import Hyper

/// `/status/{user_id}`: a page with a `status` fragment. Requested with
/// `Accept: text/event-stream`, the same URL streams that fragment, re-rendered with fresh data
/// on each update (the seed's `render(fragments="status")`); an htmx request targeting
/// `status` gets the fragment alone. `POST /status/{user_id}` changes the status.
struct StatusPage: Page, EventStream, FragmentPage {
    let userID: Int
    let status: String

    init(request: Request) throws {
        userID = try request.parameter("user_id")
        status = DemoServices.shared.statuses.status(of: userID)
    }

    var statusFragment: Fragment {
        Fragment(id: "status") { "Status: \(status)" }
    }

    var body: HTML {
        Layout(title: "Status of user \(userID)") {
            """
            <h1>Status of user \(userID)</h1>
            <div hx-ext="sse" sse-connect="/status/\(userID)" sse-swap="status" hx-swap="innerHTML">
            \(statusFragment)
            </div>
            <form hx-post="/status/\(userID)" hx-swap="none">
            <select name="status"><option>online</option><option>away</option><option>offline</option></select>
            <button>Set</button>
            </form>
            """
        }
    }

    func fragment(id: String) -> Fragment? {
        id == statusFragment.id ? statusFragment : nil
    }

    func stream(to events: EventSink) async throws {
        let updates = DemoServices.shared.statuses.updates(of: userID)
        try await events.send("status", statusFragment.html)
        for await _ in updates {
            let fresh = Self(userID: userID)
            try await events.send("status", fresh.statusFragment.html)
        }
    }

    /// The page of `userID` with the status as it is now.
    private init(userID: Int) {
        self.userID = userID
        status = DemoServices.shared.statuses.status(of: userID)
    }
}
