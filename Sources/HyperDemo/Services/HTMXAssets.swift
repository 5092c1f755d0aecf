/// Where the demo's pages load htmx and its SSE extension from: the one place naming them.
enum HTMXAssets {
    static let htmx = "/static/htmx/htmx-2.min.js"
    static let serverSentEvents = "/static/htmx/ext/hx-sse-2.min.js"
}
