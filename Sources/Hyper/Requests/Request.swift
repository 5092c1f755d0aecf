import FoundationEssentials
import HTTPTypes

/// An HTTP request as nginx passed it over FastCGI or SCGI.
public struct Request: Sendable {
    public var method: HTTPRequest.Method
    /// The decoded, normalised path the router matched, without the app's mount prefix.
    public var path: String
    /// Where nginx mounts the app (`SCRIPT_NAME` when nginx splits the path), "" at the root.
    public var mountPrefix: String
    /// The query parameters, percent-decoded, in order; repeated keys are kept.
    public var query: QueryParameters
    /// All the header fields. A request nginx passed makes them on first use; `header(_:)` reads
    /// one field without making the others.
    public var headerFields: HTTPFields {
        get {
            switch headers {
            case .fields(let fields): fields
            case .cgi(let block): block.fields
            }
        }
        set { headers = .fields(newValue) }
    }
    /// The client's address as nginx saw it (`REMOTE_ADDR`).
    public var remoteAddress: String?
    /// Whether the request came over HTTPS (nginx's `HTTPS` parameter is `on`).
    public var isHTTPS: Bool
    /// The request body, read completely before the route runs.
    public var body: [UInt8]
    /// The values of the `{name}` segments of the matched route pattern.
    public var pathParameters: PathParameters
    /// The services of the application serving the request (see `Services`), set when it is routed.
    public internal(set) var services = Services()
    /// Who is asking: the live session the request's cookie names, found before the route runs;
    /// nil when nobody is signed in.
    public internal(set) var session: Session?

    /// Where the header fields are: as the route or a test gave them, or as nginx passed them.
    enum Headers: Sendable {
        case fields(HTTPFields)
        case cgi(CGIHeaderBlock)
    }

    var headers: Headers

    public init(
        method: HTTPRequest.Method, path: String, mountPrefix: String = "", query: QueryParameters = QueryParameters(),
        headerFields: HTTPFields = [:], remoteAddress: String? = nil, isHTTPS: Bool = false, body: [UInt8] = [],
        pathParameters: PathParameters = PathParameters()
    ) {
        self.init(
            method: method, path: path, mountPrefix: mountPrefix, query: query, headers: .fields(headerFields),
            remoteAddress: remoteAddress, isHTTPS: isHTTPS, body: body, pathParameters: pathParameters)
    }

    init(
        method: HTTPRequest.Method, path: String, mountPrefix: String, query: QueryParameters, headers: Headers,
        remoteAddress: String?, isHTTPS: Bool = false, body: [UInt8] = [],
        pathParameters: PathParameters = PathParameters()
    ) {
        self.method = method
        self.path = path
        self.mountPrefix = mountPrefix
        self.query = query
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.isHTTPS = isHTTPS
        self.body = body
        self.pathParameters = pathParameters
    }

    /// The value of the header field `name`, as `headerFields[name]` reads it (repeated fields
    /// joined by `, `, or `; ` for `Cookie`); nil when the request has none.
    public func header(_ name: HTTPField.Name) -> String? {
        switch headers {
        case .fields(let fields): fields[name]
        case .cgi(let block): block.value(of: name)
        }
    }

    /// The values of the header fields named `name`, in order, as `headerFields[values: name]`.
    public func headerValues(_ name: HTTPField.Name) -> [String] {
        switch headers {
        case .fields(let fields): fields[values: name]
        case .cgi(let block): block.values(of: name)
        }
    }

    /// A typed path parameter; a value that does not convert is a 404 (`/users/abc` where the
    /// route wants an `Int`), because no such resource exists.
    ///
    /// ```swift
    /// let userID = try request.parameter("user_id", as: Int.self)
    /// ```
    public func parameter<Value: LosslessStringConvertible>(_ name: String, as type: Value.Type = Value.self)
        throws(HTTPError)
        -> Value
    {
        guard let raw = pathParameters[name] else {
            throw HTTPError(.internalServerError, message: "The route has no parameter \(name).")
        }
        guard let value = Value(raw) else { throw HTTPError(.notFound) }
        return value
    }

    /// A path parameter that is a UUID; one that is not is a 404.
    public func parameter(_ name: String, as type: UUID.Type) throws(HTTPError) -> UUID {
        guard let value = UUID(uuidString: try parameter(name, as: String.self)) else { throw HTTPError(.notFound) }
        return value
    }

    /// The form fields of an `application/x-www-form-urlencoded` body.
    public var formFields: QueryParameters {
        QueryParameters(encoded: String(decoding: body, as: UTF8.self))
    }

    /// The cookies the client sent.
    public var cookies: [String: String] {
        var result: [String: String] = [:]
        forEachCookie { name, value in
            result[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
            return true
        }
        return result
    }

    /// The value of the cookie `name`, the first if the client sent it more than once; read from
    /// the `Cookie` header without making the others.
    public func cookie(_ name: String) -> String? {
        var found: String?
        let wanted = Array(name.utf8)
        forEachCookie { cookieName, value in
            guard cookieName.elementsEqual(wanted) else { return true }
            found = String(decoding: value, as: UTF8.self)
            return false
        }
        return found
    }

    /// Calls `body` with each `name=value` pair of the `Cookie` headers, in order, spaces around
    /// both trimmed, as bytes, until it returns false.
    private func forEachCookie(_ body: (ArraySlice<UInt8>, ArraySlice<UInt8>) -> Bool) {
        let (semicolon, equals, space) = (UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: " "))
        for header in headerValues(.cookie) {
            let bytes = Array(header.utf8)
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: semicolon) ?? bytes.count
                defer { start = end + 1 }
                guard let mark = bytes[start..<end].firstIndex(of: equals) else { continue }
                if !body(Self.trimming(space, bytes[start..<mark]), Self.trimming(space, bytes[(mark + 1)..<end])) {
                    return
                }
            }
        }
    }

    private static func trimming(_ byte: UInt8, _ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var trimmed = bytes
        while trimmed.first == byte { trimmed.removeFirst() }
        while trimmed.last == byte { trimmed.removeLast() }
        return trimmed
    }
}
