import Hyper

/// `/report/{report_id}?interval_ms=N`: progressive HTML. The header reaches the browser at
/// once; the summary and the charts follow as they are produced (each takes the interval, 1 s
/// unless given), then the page is closed.
struct ReportPage: ProgressivePage {
    let reportID: Int
    let interval: Duration

    init(request: Request) throws {
        reportID = try request.parameter("report_id")
        interval = try request.streamInterval(default: .seconds(1))
    }

    func stream(to page: ResponseBodyWriter) async throws {
        try await page.write(
            """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Report \(reportID)</title></head>
            <body>
            <h1>Report \(reportID)</h1>

            """ as HTML)
        let summary = try await generateSummary()
        try await page.write(
            """
            <section id="summary">
            <h2>Summary</h2>
            <div>\(summary)</div>
            </section>

            """ as HTML)
        let charts = try await generateCharts()
        try await page.write(
            """
            <section id="charts">
            <h2>Charts</h2>
            <div>\(charts)</div>
            </section>

            """ as HTML)
        try await page.write("</body>\n</html>\n" as HTML)
    }

    private func generateSummary() async throws -> String {
        try await Task.sleep(for: interval)
        return "Report \(reportID) covers \(reportID * 7) items."
    }

    private func generateCharts() async throws -> HTML {
        try await Task.sleep(for: interval)
        let bars = (1...5).map { index -> HTML in
            "<div class=\"bar\" style=\"width: \((reportID * index * 13) % 100)%\">\(index)</div>\n"
        }
        return "\n\(bars)"
    }
}
