import Hyper

/// `/live-feed?interval_ms=N`: posts from `/stream/feed` appended as they come (htmx's SSE
/// extension), `interval_ms` passed on to the stream.
struct LiveFeedPage: Page {
    let viewer: Viewer
    let streamURL: RouteURL

    init(request: Request) throws {
        viewer = Viewer(request)
        streamURL = try FeedStream.url(query: request.intervalQuery())
    }

    var body: HTML {
        Layout(title: "Live feed", viewer: viewer) {
            """
            <h1>Live Feed</h1>
            <div hx-ext="sse" sse-connect="\(streamURL)" sse-swap="message" hx-swap="beforeend">
            <!-- Messages appear here -->
            </div>
            """
        }
    }
}
