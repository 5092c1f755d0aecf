import HTTPTypes

/// Maps a method and a path to the route that answers it.
///
/// Literal segments take precedence over `{parameter}` segments, whatever the order routes were
/// added in: `/users/new` beats `/users/{user_id}`.
///
/// ```swift
/// var router = Router()
/// try router.add("/", HomePage.self)
/// try router.add("/users/{user_id}", UserPage.self)
/// try router.add("/chat/{room_id}/messages", method: .post) { request in … }
/// ```
public struct Router: Sendable {
    /// The result of looking up a request.
    public enum Match: Sendable {
        case found(RequestHandler, PathParameters, pattern: PathPattern)
        /// The path exists for other methods; `allowed` is the value of the `Allow` header.
        case methodNotAllowed(allowed: [HTTPRequest.Method])
        case notFound
    }

    private struct Endpoint: Sendable {
        let pattern: PathPattern
        let handler: RequestHandler
    }

    private final class Node: @unchecked Sendable {
        // Mutated only while the router is built (`add`, which copies on write), read-only after.
        var literals: [String: Node] = [:]
        var parameter: Node?
        var endpoints: [HTTPRequest.Method: Endpoint] = [:]

        func copy() -> Node {
            let node = Node()
            node.literals = literals.mapValues { $0.copy() }
            node.parameter = parameter?.copy()
            node.endpoints = endpoints
            return node
        }
    }

    private var root = Node()
    /// The endpoints of the patterns without parameters, by path: a request for one of them is
    /// answered by one lookup, which is what the tree's search (literals first) finds too.
    private var literalPaths: [String: [HTTPRequest.Method: Endpoint]] = [:]

    public init() {}

    /// The patterns and methods registered, for listings and tests.
    public private(set) var routes: [(method: HTTPRequest.Method, pattern: PathPattern)] = []

    /// Registers a route type at `path`, with its `access` and `csrfProtection`.
    public mutating func add<R: Route>(_ path: String, _ route: R.Type) throws {
        try add(path, method: R.method, access: R.access, csrfProtection: R.csrfProtection) { request in
            try await R.respond(to: request)
        }
    }

    /// Registers a closure at `path` for `method`, run for those `access` allows; unsafe methods
    /// need the session's CSRF token unless `csrfProtection` is `.exempt`. Throws
    /// `PathPatternError` for a malformed pattern and `RouterError.duplicate` if the same path and
    /// method are already taken.
    public mutating func add(
        _ path: String, method: HTTPRequest.Method, access: Access = .anyone,
        csrfProtection: CSRFProtection = .required, handler: @escaping RequestHandler
    ) throws {
        let guarded = RouteGuard(access: access, csrf: csrfProtection)
        let handler: RequestHandler = { request in try await guarded.respond(to: request, with: handler) }
        let pattern = try PathPattern(path)
        if !isKnownUniquelyReferenced(&root) { root = root.copy() }
        var node = root
        for segment in pattern.segments {
            switch segment {
            case .literal(let text):
                node =
                    node.literals[text]
                    ?? {
                        let child = Node(); node.literals[text] = child; return child
                    }()
            case .parameter:
                node =
                    node.parameter
                    ?? {
                        let child = Node(); node.parameter = child; return child
                    }()
            }
        }
        if let existing = node.endpoints[method] {
            throw RouterError.duplicate(
                method: method, pattern: pattern.description, existing: existing.pattern.description)
        }
        node.endpoints[method] = Endpoint(pattern: pattern, handler: handler)
        if !pattern.segments.contains(where: { if case .parameter = $0 { true } else { false } }) {
            literalPaths[pattern.description] = node.endpoints
        }
        routes.append((method, pattern))
    }

    /// Finds the route for `method` and `path` (a normalised path). `HEAD` falls back to `GET`.
    public func match(method: HTTPRequest.Method, path: String) -> Match {
        if let endpoints = literalPaths[path] {
            return Self.match(method: method, in: endpoints, values: [])
        }
        var values: [String] = []
        guard let node = Self.find(path[...], in: root, values: &values) else { return .notFound }
        return Self.match(method: method, in: node.endpoints, values: values)
    }

    /// The endpoint for `method` among those of one path, its parameters taken from `values`.
    private static func match(
        method: HTTPRequest.Method, in endpoints: [HTTPRequest.Method: Endpoint], values: [String]
    )
        -> Match
    {
        guard let endpoint = endpoints[method] ?? (method == .head ? endpoints[.get] : nil) else {
            var allowed = Array(endpoints.keys)
            if allowed.contains(.get) { allowed.append(.head) }
            return .methodNotAllowed(allowed: allowed.sorted { $0.rawValue < $1.rawValue })
        }
        guard !values.isEmpty else { return .found(endpoint.handler, PathParameters(), pattern: endpoint.pattern) }
        var parameters: [String: String] = [:]
        var valueIndex = 0
        for case .parameter(let name) in endpoint.pattern.segments {
            parameters[name] = values[valueIndex]
            valueIndex += 1
        }
        return .found(endpoint.handler, PathParameters(parameters), pattern: endpoint.pattern)
    }

    /// Depth-first search preferring literal children, one segment of `path` (what is left of the
    /// path, slashes between segments) a level; `values` collects parameter segments.
    private static func find(_ path: Substring, in node: Node, values: inout [String]) -> Node? {
        let slash = UInt8(ascii: "/")
        var start = path.startIndex
        while start < path.endIndex && path.utf8[start] == slash { start = path.utf8.index(after: start) }
        guard start < path.endIndex else { return node.endpoints.isEmpty ? nil : node }
        let end = path.utf8[start...].firstIndex(of: slash) ?? path.endIndex
        let first = path[start..<end]
        let rest = path[end...]
        if let literal = node.literals[String(first)], let found = find(rest, in: literal, values: &values) {
            return found
        }
        if let parameter = node.parameter {
            values.append(String(first))
            if let found = find(rest, in: parameter, values: &values) { return found }
            values.removeLast()
        }
        return nil
    }
}

/// A route that cannot be registered.
public enum RouterError: Error, Equatable, CustomStringConvertible {
    case duplicate(method: HTTPRequest.Method, pattern: String, existing: String)

    public var description: String {
        switch self {
        case .duplicate(let method, let pattern, let existing):
            "Hyper: \(method) \(pattern) is already routed (as \(existing))"
        }
    }
}
