import Hyper

/// `/hello`: exactly `Hello, world!`, the benchmark's smallest page.
struct HelloRoute: Route {
    static let method = HTTPRequest.Method.get

    static func respond(to request: Request) -> Response {
        Response(html: "Hello, world!")
    }
}
