import Hyper

/// `GET /about`.
struct AboutPage: Page {
    init(request: Request) {}

    var body: HTML { Layout(title: "About") }
}
