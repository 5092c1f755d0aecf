import Hyper

/// `/live-feed`: posts from `/stream/feed` appended as they come (htmx's SSE extension).
struct LiveFeedPage: Page {
    init(request: Request) {}

    var body: HTML {
        Layout(title: "Live feed") {
            """
            <h1>Live Feed</h1>
            <div hx-ext="sse" sse-connect="/stream/feed" sse-swap="message" hx-swap="beforeend">
            <!-- Messages appear here -->
            </div>
            """
        }
    }
}
