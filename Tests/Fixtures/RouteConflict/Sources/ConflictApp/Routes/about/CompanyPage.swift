import Hyper

/// `GET /about` again: the conflict.
struct CompanyPage: Page {
    init(request: Request) {}

    var body: HTML { Layout(title: "Company") }
}
