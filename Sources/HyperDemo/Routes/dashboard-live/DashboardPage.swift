import Hyper

/// `/dashboard-live`: one SSE connection (`/stream/metrics`) feeding three parts of the page by
/// event name: `metric`, `alert` and `status`.
struct DashboardPage: Page {
    init(request: Request) {}

    var body: HTML {
        Layout(title: "Dashboard") {
            """
            <h1>Dashboard</h1>
            <div id="metrics" hx-ext="sse" sse-connect="/stream/metrics">
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
