import Hyper

/// `/rows`: a table of 1,000 rows whose strings need escaping, the benchmarks' large page.
struct RowsPage: Page {
    let viewer: Viewer
    init(request: Request) {
        viewer = Viewer(request)
    }

    var body: HTML {
        Layout(title: "Rows", viewer: viewer) {
            """
            <table>
            \(ForEach(SampleRow.thousand) { row in
                "<tr><td>\(row.id)</td><td>\(row.name)</td><td>\(row.email)</td><td>\(row.city)</td><td>\(row.note)</td></tr>\n"
            })</table>
            """
        }
    }
}
