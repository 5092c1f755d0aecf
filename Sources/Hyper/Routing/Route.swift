import HTTPTypes

/// A type that answers requests to one path and method: a page, a form action, a stream.
///
/// Most apps adopt a refinement (`Page`) rather than this protocol directly.
public protocol Route: SendableMetatype {
    /// The method this route answers. `GET` routes answer `HEAD` too.
    static var method: HTTPRequest.Method { get }

    /// Produces the response to `request`.
    static func respond(to request: Request) async throws -> Response
}

/// A closure answering a request, as the router stores it.
public typealias RequestHandler = @Sendable (Request) async throws -> Response
