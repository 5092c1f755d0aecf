import Hyper

/// `/status/{user_id}`: a page with a `status` fragment. Its stream link
/// (`/status/{user_id}?after=<id>`, the `after` parameter selecting the stream whatever the
/// `Accept` header says) sends that fragment re-rendered for each change after the one the page
/// shows (the fragment alone, rendered with fresh data), as does a request with
/// `Accept: text/event-stream`; after a `reset` it sends the fragment with the status as it is
/// then. An htmx request targeting `status` gets the fragment alone. `POST /status/{user_id}`
/// changes the status.
struct StatusPage: Page, EventStream, FragmentPage {
    let viewer: Viewer
    let userID: Int
    let status: String
    let position: EventID
    let start: ResumePoint
    let statuses: StatusService
    let streamURL: RouteURL
    let updateURL: RouteURL

    init(request: Request) async throws {
        viewer = Viewer(request)
        userID = try request.parameter("user_id")
        statuses = try request.service(StatusService.self)
        (status, position) = try await statuses.status(of: userID)
        start = request.resumePoint
        streamURL = try StatusPage.url(user_id: userID, query: ["after": position.description])
        updateURL = try UpdateStatus.url(user_id: userID)
    }

    var statusFragment: Fragment {
        Self.statusFragment(status)
    }

    static func statusFragment(_ status: String) -> Fragment {
        Fragment(id: "status") { "Status: \(status)" }
    }

    var body: HTML {
        Layout(title: "Status of user \(userID)", viewer: viewer) {
            """
            <h1>Status of user \(userID)</h1>
            <div hx-ext="sse" sse-connect="\(streamURL)" sse-swap="status" \
            hx-swap="innerHTML">
            \(statusFragment)
            </div>
            <form hx-post="\(updateURL)" hx-swap="none">
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
        let updates = statuses.updates(of: userID, from: start)
        try await events.send("status", statusFragment.html)
        try await events.send(position: updates.start)
        for await update in updates {
            switch update {
            case .event(let event):
                try await events.send(event) { event in
                    try ServerSentEvent(event: "status", data: Self.statusFragment(event.message.status).html)
                }
            case .reset(let reset):
                try await events.send(reset)
                let (status, _) = try await statuses.status(of: userID)
                try await events.send("status", Self.statusFragment(status).html)
            }
        }
    }
}
