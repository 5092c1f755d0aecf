import Hyper

/// Sends requests to an application in process, with no socket or web server: the route runs,
/// and its response head goes through the encoder the wire uses, so a test sees the same
/// `Content-Type`, `Content-Length`, `X-Content-Type-Options` and `X-Accel-Buffering` as nginx.
///
/// Like a browser, it keeps the cookies it is given (`cookies`) and sends them back; once signed
/// in (`signIn(as:)`, or through the app's own sign-in form), its unsafe requests carry the
/// session's CSRF token, as the app's pages make htmx do.
///
/// ```swift
/// let client = TestClient(app)
/// let page = await client.get("/")
/// #expect(page.status == .ok && page.text.contains("<h1>"))
///
/// try await client.signIn(as: "2")
/// #expect(await client.post("/notes", form: ["text": "hi"]).status == .ok)   // cookie and token sent
/// let inbox = try await client.events("/notes/stream")
/// ```
public struct TestClient: Sendable {
    public let application: Application
    /// The cookies the client was given and sends back.
    public let cookies = CookieJar()
    /// Whether unsafe requests (POST, PUT, PATCH, DELETE) carry the session's CSRF token:
    /// false to test that a request without it is refused.
    public var sendsCSRFToken: Bool

    public init(_ application: Application, sendsCSRFToken: Bool = true) {
        self.application = application
        self.sendsCSRFToken = sendsCSRFToken
    }

    /// Sends `request`, with the client's cookies (and, for an unsafe method, its session's CSRF
    /// token) unless the request sets its own, and returns the response as the web server would
    /// receive it; keeps the cookies it sets.
    public func send(_ request: Request) async -> TestResponse {
        var request = request
        if request.headerFields[.cookie] == nil, let header = cookies.header {
            request.headerFields[.cookie] = header
        }
        if sendsCSRFToken, Self.unsafeMethods.contains(request.method), request.headerFields[.csrfToken] == nil,
            let token = await csrfToken
        {
            request.headerFields[.csrfToken] = token
        }
        let response = TestResponse(await application.response(for: request), isHead: request.method == .head)
        for header in response.headerFields[values: .setCookie] { cookies.store(setCookie: header) }
        return response
    }

    /// Signs in as `userID` without the app's sign-in form: a new session, whose cookie the
    /// client keeps (any session it had ends first).
    public func signIn(as userID: String) async throws {
        let sessions = application.sessions
        let previous = try await session
        let (_, secret) = try await sessions.signIn(userID: userID, replacing: previous)
        cookies.store(setCookie: try sessions.cookie(carrying: secret, secure: false).headerValue)
    }

    /// The session the client's cookie names, if it is live.
    public var session: Session? {
        get async throws {
            let sessions = application.sessions
            guard let secret = cookies[sessions.configuration.cookieName] else { return nil }
            return try await sessions.session(forCookie: secret)
        }
    }

    /// The CSRF token of the client's session, if it has one.
    public var csrfToken: String? {
        get async { try? await session?.csrfToken }
    }

    private static let unsafeMethods: Set<HTTPRequest.Method> = [.post, .put, .patch, .delete]

    /// Sends a `GET` (or another bodiless method) for `path`: the decoded path, as nginx passes
    /// it, with an encoded query after `?` if any.
    public func get(
        _ path: String, method: HTTPRequest.Method = .get, headerFields: HTTPFields = [:]
    ) async -> TestResponse {
        await send(Self.request(method: method, target: path, headerFields: headerFields, body: []))
    }

    /// Sends a `POST` of `form` as `application/x-www-form-urlencoded`, fields in order.
    public func post(
        _ path: String, form: KeyValuePairs<String, String>, headerFields: HTTPFields = [:]
    ) async -> TestResponse {
        var fields = headerFields
        fields[.contentType] = "application/x-www-form-urlencoded"
        let body = form.map { "\(Self.formEncoded($0.key))=\(Self.formEncoded($0.value))" }.joined(separator: "&")
        return await send(Self.request(method: .post, target: path, headerFields: fields, body: Array(body.utf8)))
    }

    /// Sends a request with `body` as it is.
    public func send(
        _ method: HTTPRequest.Method, _ path: String, headerFields: HTTPFields = [:], body: [UInt8]
    ) async -> TestResponse {
        await send(Self.request(method: method, target: path, headerFields: headerFields, body: body))
    }

    /// Opens the event stream at `path` (with `Accept: text/event-stream`, as EventSource sends)
    /// and returns a reader of its events as the route sends them.
    public func events(_ path: String, headerFields: HTTPFields = [:]) async throws -> EventStreamReader {
        var fields = headerFields
        fields[.accept] = MediaType.eventStream
        let response = await get(path, headerFields: fields)
        guard let stream = response.stream else { throw NotAStreamError(path: path, status: response.status) }
        return EventStreamReader(stream)
    }

    private static func request(
        method: HTTPRequest.Method, target: String, headerFields: HTTPFields, body: [UInt8]
    ) -> Request {
        let (path, query) =
            target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) }
            ?? (target, "")
        var fields = headerFields
        if !body.isEmpty { fields[.contentLength] = String(body.count) }
        return Request(
            method: method, path: path, query: QueryParameters(encoded: query), headerFields: fields, body: body)
    }

    private static func formEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                encoded.append("+")
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                encoded.append("%")
                encoded.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                encoded.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return encoded
    }
}

extension HTTPField.Name {
    /// The header that carries a session's CSRF token.
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}

/// The route answered with a body in memory where a test expected an event stream.
public struct NotAStreamError: Error, CustomStringConvertible {
    public let path: String
    public let status: HTTPResponse.Status

    public var description: String {
        "\(path) answered \(status.code) \(status.reasonPhrase) without a stream"
    }
}
