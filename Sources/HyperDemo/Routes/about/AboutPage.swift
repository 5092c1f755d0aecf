import Hyper

/// `/about`: a synchronous page.
struct AboutPage: Page {
    let viewer: Viewer
    let company = Company.current

    init(request: Request) {
        viewer = Viewer(request)
    }

    var body: HTML {
        Layout(title: "About", viewer: viewer) {
            "<h1>About \(company.name)</h1>\n<p>Founded in \(company.founded).</p>"
        }
    }
}
