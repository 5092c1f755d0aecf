import HTTPTypes
import Logging

/// Why Hyper refused a request before its route ran (no session, a missing CSRF token, a
/// cross-site post): answered with its status and a message that reveals nothing secret, and
/// logged naming the cause.
public struct RequestRefusal: HTTPResponseError, Equatable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    /// What was wrong, for the client and the log.
    public let cause: String
    /// Where to send the client instead (a 303 to the sign-in page).
    public let location: String?
    /// How loud the log line is: suspicious requests (CSRF) are `notice`, ordinary ones (not
    /// signed in) `info`.
    public let logLevel: Logger.Level
    /// Extra response headers, such as the `Set-Cookie` that clears a dead session's cookie.
    public var headerFields: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, cause: String, location: String? = nil, logLevel: Logger.Level = .info) {
        self.status = status
        self.cause = cause
        self.location = location
        self.logLevel = logLevel
    }

    public var description: String { "Hyper: request refused with \(status.code): \(cause)" }

    public func response(for request: Request) -> Response {
        var response =
            location.map { Response.redirect(to: $0) } ?? HTTPError(status, message: cause).response(for: request)
        response.headerFields.append(contentsOf: headerFields)
        return response
    }
}
