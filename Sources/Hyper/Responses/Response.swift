import HTTPTypes

/// What a route answers: a status, header fields and a body.
///
/// `Content-Type` defaults to `text/html; charset=utf-8`; Hyper adds
/// `X-Content-Type-Options: nosniff` to every response.
public struct Response: Sendable {
    public var status: HTTPResponse.Status
    public var headerFields: HTTPFields
    public var body: Body

    /// A response body: bytes in memory, or a stream written as it is produced.
    public enum Body: Sendable {
        case bytes([UInt8])
        case stream(StreamingBody)
    }

    /// Whether the body is a stream.
    public var isStream: Bool {
        if case .stream = body { true } else { false }
    }

    public init(status: HTTPResponse.Status = .ok, headerFields: HTTPFields = [:], body: Body = .bytes([])) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }

    /// An HTML page.
    public init(status: HTTPResponse.Status = .ok, html: HTML) {
        self.init(status: status, headerFields: Self.htmlFields, body: .bytes(html.bytes))
    }

    /// Plain text.
    public init(status: HTTPResponse.Status = .ok, text: String) {
        self.init(status: status, headerFields: Self.plainTextFields, body: .bytes(Array(text.utf8)))
    }

    // Made once: a page's fields are then a reference to these until the route changes them.
    private static let htmlFields: HTTPFields = [.contentType: MediaType.html]
    private static let plainTextFields: HTTPFields = [.contentType: MediaType.plainText]

    /// A redirect to `location`, `303 See Other` by default (the answer to a form POST).
    public static func redirect(to location: String, status: HTTPResponse.Status = .seeOther) -> Response {
        Response(status: status, headerFields: [.location: location, .contentType: MediaType.plainText])
    }

    /// Adds a header field given as strings. Unlike assigning to `headerFields` (where
    /// swift-http-types turns CR, LF and NUL into spaces), this refuses a name that is not an
    /// HTTP token and a value holding CR, LF or NUL, so a header can never be split or altered.
    public mutating func setHeader(_ name: String, _ value: String) throws(HeaderFieldError) {
        guard let fieldName = HTTPField.Name(name) else { throw .invalidName(name) }
        if let byte = value.utf8.first(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") || $0 == 0 }) {
            throw .invalidValue(name: name, value: value, byte: byte)
        }
        headerFields.append(HTTPField(name: fieldName, value: value))
    }

    /// Adds a `Set-Cookie` header.
    public mutating func setCookie(_ cookie: Cookie) {
        headerFields.append(HTTPField(name: .setCookie, value: cookie.headerValue))
    }

    /// The body's bytes when it is in memory; empty for a stream.
    /// The CGI header block this response is sent with, over FastCGI and SCGI alike (`Status:`,
    /// its fields with Hyper's defaults, an empty line): what an in-process test reads.
    public var encodedHead: [UInt8] {
        ResponseHead.encode(self)
    }

    var bodyBytes: [UInt8] {
        if case .bytes(let bytes) = body { return bytes }
        return []
    }

    /// The page shown for an error status: the status and a message, nothing else.
    static func errorPage(status: HTTPResponse.Status, message: String) -> Response {
        let html: HTML = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(status.code) \(status.reasonPhrase)</title></head>
            <body><h1>\(status.code) \(status.reasonPhrase)</h1><p>\(message)</p></body></html>

            """
        return Response(status: status, html: html)
    }
}

/// Common media types.
public enum MediaType {
    public static let html = "text/html; charset=utf-8"
    public static let plainText = "text/plain; charset=utf-8"
    public static let json = "application/json"
    public static let eventStream = "text/event-stream"
}

/// A header field that `Response.setHeader` refused.
public enum HeaderFieldError: Error, Equatable, CustomStringConvertible {
    case invalidName(String)
    case invalidValue(name: String, value: String, byte: UInt8)

    public var description: String {
        switch self {
        case .invalidName(let name):
            "Hyper: header name \(name.debugDescription) is not an HTTP token"
        case .invalidValue(let name, let value, let byte):
            "Hyper: header \(name) refused: its value \(value.debugDescription) holds byte 0x\(String(byte, radix: 16)) (CR, LF or NUL)"
        }
    }
}
