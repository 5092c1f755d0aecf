import Hyper

/// `/dashboard-live?interval_ms=N`: one SSE connection (`/stream/metrics`, `interval_ms` passed
/// on) feeding three parts of the page by event name: `metric`, `alert` and `status`.
struct DashboardPage: Page {
    let viewer: Viewer
    let streamURL: RouteURL

    init(request: Request) throws {
        viewer = Viewer(request)
        streamURL = try MetricsStream.url(query: request.intervalQuery())
    }

    var body: HTML {
        Layout(title: "Dashboard", viewer: viewer) {
            """
            <h1>Dashboard</h1>
            <div id="metrics" hx-ext="sse" sse-connect="\(streamURL)">
            <div sse-swap="metric" hx-swap="innerHTML">
            <!-- Metrics update here -->
            </div>
            <div sse-swap="alert" hx-swap="beforeend">
            <!-- Alerts appear here -->
            </div>
            <div id="status" sse-swap="status">
            <!-- Status updates here -->
            </div>
            </div>
            """
        }
    }
}
