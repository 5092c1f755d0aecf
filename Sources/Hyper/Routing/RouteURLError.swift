import HTTPTypes

/// A route URL that cannot be built (see `RouteURL`).
///
/// A value no URL can carry (`unaddressable`) answers 400 when a route lets the error out, as it
/// came from the request: the client gets the message. The other cases are mistakes in the app's
/// code and answer 500 without saying more.
public enum RouteURLError: HTTPResponseError, Equatable, CustomStringConvertible {
    /// The pattern is not a route pattern.
    case invalidPattern(PathPatternError)
    /// The pattern has a `{name}` segment that no value was given for.
    case missingParameter(name: String, pattern: String)
    /// A value was given for a name that the pattern has no `{name}` segment for.
    case unknownParameter(name: String, pattern: String)
    /// The value of a `{name}` segment cannot travel in a path through nginx to the route: it is
    /// empty, `.` or `..`, or contains `/` or a NUL byte.
    case unaddressable(name: String, value: String, pattern: String)

    public var description: String {
        switch self {
        case .invalidPattern(let error): error.description
        case .missingParameter(let name, let pattern): "Hyper: the URL of \(pattern) needs a value for {\(name)}"
        case .unknownParameter(let name, let pattern): "Hyper: \(pattern) has no parameter {\(name)}"
        case .unaddressable(let name, let value, let pattern):
            "Hyper: \(value.debugDescription) cannot be {\(name)} in a URL of \(pattern): \(Self.reason(value))"
        }
    }

    public func response(for request: Request) -> Response {
        switch self {
        case .unaddressable(_, let value, _):
            HTTPError(.badRequest, message: "“\(value)” cannot be part of a URL path: \(Self.reason(value)).")
                .response(for: request)
        case .invalidPattern, .missingParameter, .unknownParameter:
            HTTPError(.internalServerError).response(for: request)
        }
    }

    /// Why `value` cannot be a path segment.
    private static func reason(_ value: String) -> String {
        switch value {
        case "": "an empty segment is dropped from the path"
        case ".", "..": "browsers and nginx resolve it as a dot-segment, even percent-encoded"
        default:
            value.utf8.contains(0)
                ? "nginx refuses a NUL byte in a path" : "nginx decodes %2F to / before the router splits the path"
        }
    }
}
