import HTTPTypes

/// An HTML page: its initializer loads what the page needs (it may be `async` and may throw),
/// then `body` renders it.
///
/// ```swift
/// struct UserPage: Page {
///     let user: User
///
///     init(request: Request) async throws {
///         let id = try request.parameter("user_id", as: Int.self)   // /users/abc → 404
///         guard let user = await Users.find(id) else { throw HTTPError(.notFound) }
///         self.user = user
///     }
///
///     var body: HTML {
///         Layout(title: user.name) { "<h1>\(user.name)</h1>" }
///     }
/// }
/// ```
public protocol Page: Route {
    /// Loads the page's data for `request`, run before `body`.
    init(request: Request) async throws

    /// The page's HTML.
    var body: HTML { get }
}

extension Page {
    public static var method: HTTPRequest.Method { .get }

    public static func respond(to request: Request) async throws -> Response {
        try await Self(request: request).pageResponse(to: request)
    }

    /// The page, or only the fragment an htmx request targets when the page has one by that id
    /// (see `FragmentPage`).
    func pageResponse(to request: Request) -> Response {
        guard let fragments = self as? any FragmentPage else { return Response(html: body) }
        var response = Response(html: request.htmxTarget.flatMap(fragments.fragment(id:))?.html ?? body)
        response.headerFields.append(HTTPField(name: .vary, value: "HX-Request, HX-Target"))
        return response
    }
}
