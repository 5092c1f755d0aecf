/// The URL of a route: its path pattern with each `{name}` segment filled in, and a query, every
/// segment, name and value percent-encoded (RFC 3986: everything outside `A-Z a-z 0-9 - . _ ~`).
///
/// File-based routing gives each route type a `url(...)` taking one argument per path parameter
/// (`ChatPage.url(room_id: room)`, see docs/GETTING-STARTED.md); apps that add routes by hand build
/// one from the pattern they route:
///
/// ```swift
/// let link = try RouteURL("/chat/{room_id}", parameters: ["room_id": "a?x=1"], query: ["after": "12"])
/// // link.description == "/chat/a%3Fx%3D1?after=12"
/// let html: HTML = "<a href=\"\(link)\">Room</a>"  // interpolated like any value: escaped
/// ```
///
/// Every value leads back to the route unchanged (`request.parameter(_:)`, `request.query`),
/// through nginx too, except what no path segment can carry there, refused with
/// `RouteURLError.unaddressable`: the empty string; `.` and `..`, which browsers and nginx
/// resolve as dot-segments even when percent-encoded; any value with a `/` (nginx decodes `%2F`
/// before the router splits the path into segments) or a NUL byte (nginx refuses `%00`). A query
/// value can be anything. A missing or unknown parameter is `missingParameter` or
/// `unknownParameter`.
public struct RouteURL: Sendable, Hashable, CustomStringConvertible {
    /// The percent-encoded path, such as `/chat/a%3Fx%3D1`.
    public let path: String
    /// The percent-encoded query without its `?`, such as `after=12`; empty for none.
    public let query: String

    /// Fills in `pattern` with `parameters` (by name) and adds `query` in order.
    public init(
        _ pattern: PathPattern, parameters: [String: String] = [:], query: QueryParameters = QueryParameters()
    ) throws(RouteURLError) {
        var names: Set<String> = []
        var path: [UInt8] = []
        for segment in pattern.segments {
            path.append(UInt8(ascii: "/"))
            switch segment {
            case .literal(let text):
                PercentEncoding.append(encoding: text, to: &path)
            case .parameter(let name):
                guard let value = parameters[name] else {
                    throw .missingParameter(name: name, pattern: pattern.description)
                }
                guard Self.isAddressable(value) else {
                    throw .unaddressable(name: name, value: value, pattern: pattern.description)
                }
                PercentEncoding.append(encoding: value, to: &path)
                names.insert(name)
            }
        }
        if let unknown = parameters.keys.filter({ !names.contains($0) }).min() {
            throw .unknownParameter(name: unknown, pattern: pattern.description)
        }
        self.path = path.isEmpty ? "/" : String(decoding: path, as: UTF8.self)
        var encodedQuery: [UInt8] = []
        for (name, value) in query {
            if !encodedQuery.isEmpty { encodedQuery.append(UInt8(ascii: "&")) }
            PercentEncoding.append(encoding: name, to: &encodedQuery)
            encodedQuery.append(UInt8(ascii: "="))
            PercentEncoding.append(encoding: value, to: &encodedQuery)
        }
        self.query = String(decoding: encodedQuery, as: UTF8.self)
    }

    /// Parses `pattern` (a `PathPattern`; `invalidPattern` if it is none), then fills it in.
    public init(
        _ pattern: String, parameters: [String: String] = [:], query: QueryParameters = QueryParameters()
    ) throws(RouteURLError) {
        let parsed: PathPattern
        do {
            parsed = try PathPattern(pattern)
        } catch {
            throw .invalidPattern(error)
        }
        try self.init(parsed, parameters: parameters, query: query)
    }

    /// The path, then `?` and the query when there is one: what goes in an `href`.
    public var description: String {
        query.isEmpty ? path : path + "?" + query
    }

    /// Whether `value` reaches the route as one path segment, unchanged.
    private static func isAddressable(_ value: String) -> Bool {
        value != "" && value != "." && value != ".."
            && !value.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == 0 })
    }
}
