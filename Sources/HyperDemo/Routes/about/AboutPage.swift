import Hyper

/// `/about`: a synchronous page.
struct AboutPage: Page {
    let company = Company.current

    init(request: Request) {}

    var body: HTML {
        Layout(title: "About") {
            "<h1>About \(company.name)</h1>\n<p>Founded in \(company.founded).</p>"
        }
    }
}
