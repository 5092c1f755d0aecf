import HTTPTypes

/// A type that answers requests to one path and method: a page, a form action, a stream.
///
/// Most apps adopt a refinement (`Page`) rather than this protocol directly.
public protocol Route: SendableMetatype {
    /// The method this route answers. `GET` routes answer `HEAD` too.
    static var method: HTTPRequest.Method { get }

    /// Who may use the route (`Access.anyone` unless the route says otherwise), checked before
    /// the route runs.
    static var access: Access { get }

    /// Whether the route's unsafe requests must carry the session's CSRF token and come from the
    /// site itself (`.required` unless the route says otherwise).
    static var csrfProtection: CSRFProtection { get }

    /// Produces the response to `request`.
    static func respond(to request: Request) async throws -> Response
}

extension Route {
    public static var access: Access { .anyone }
    public static var csrfProtection: CSRFProtection { .required }
}

/// A closure answering a request, as the router stores it.
public typealias RequestHandler = @Sendable (Request) async throws -> Response
