import HTTPTypes

/// An error that knows the response it should become.
///
/// Throw one from a route to answer with a status other than 500. Errors that do not conform
/// become a 500 whose body reveals nothing; their cause is logged.
public protocol HTTPResponseError: Error {
    /// The response sent to the client in place of the route's.
    func response(for request: Request) -> Response
}

/// An error carrying an HTTP status and a message safe to show to the client.
///
/// ```swift
/// guard let user = await users.find(id) else { throw HTTPError(.notFound, message: "No user \(id)") }
/// ```
public struct HTTPError: HTTPResponseError, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// Shown on the error page; defaults to the status's reason phrase.
    public var message: String
    /// Extra response headers, such as `Allow` for 405.
    public var headerFields: HTTPFields

    public init(_ status: HTTPResponse.Status, message: String? = nil, headerFields: HTTPFields = [:]) {
        self.status = status
        self.message = message ?? status.reasonPhrase
        self.headerFields = headerFields
    }

    public var description: String { "Hyper: HTTP \(status.code): \(message)" }

    public func response(for request: Request) -> Response {
        var response = Response.errorPage(status: status, message: message)
        response.headerFields.append(contentsOf: headerFields)
        return response
    }
}
