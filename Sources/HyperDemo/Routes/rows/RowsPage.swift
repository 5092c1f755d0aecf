import Hyper

/// `/rows`: a table of 1,000 rows whose strings need escaping, the benchmarks' large page.
struct RowsPage: Page {
    init(request: Request) {}

    var body: HTML {
        Layout(title: "Rows") {
            """
            <table>
            \(ForEach(SampleRow.thousand) { row in
                "<tr><td>\(row.id)</td><td>\(row.name)</td><td>\(row.email)</td><td>\(row.city)</td><td>\(row.note)</td></tr>\n"
            })</table>
            """
        }
    }
}
