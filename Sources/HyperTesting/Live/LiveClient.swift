import Foundation
import Synchronization

/// A browser's memory for requests through a live server: it keeps the cookies it is given and,
/// once signed in, sends the session's CSRF token on unsafe requests, as the app's pages make
/// htmx do. It learns the token from the `<meta name="csrf-token">` of the pages it reads.
///
/// ```swift
/// let ada = LiveClient(baseURL: server.baseURL)
/// try await ada.signIn(form: ["user_id": "1", "password": "hyper"])    // POST /login, then its page
/// #expect(try await ada.request("/notes", method: "POST", body: "text=hi").status == 200)
/// let stream = try await ada.request("/notes/stream", maxTime: .seconds(2))   // or `ada.headers` for curl -H
/// ```
public final class LiveClient: Sendable {
    /// Where requests go, such as `http://127.0.0.1:8080`.
    public let baseURL: String
    /// The cookies the server set and the client sends back.
    public let cookies = CookieJar()
    private let token = Mutex<String?>(nil)

    public init(baseURL: String) {
        self.baseURL = baseURL
    }

    /// The CSRF token read last from a page, if any.
    public var csrfToken: String? {
        token.withLock { $0 }
    }

    /// The headers that make a request the client's (`Cookie`, and `X-CSRF-Token` once it knows
    /// the token), as `curl -H` takes them: for a stream or a request made another way.
    public var headers: [String] {
        var headers: [String] = []
        if let cookie = cookies.header { headers.append("Cookie: \(cookie)") }
        if let csrfToken { headers.append("X-CSRF-Token: \(csrfToken)") }
        return headers
    }

    /// Sends a request with the client's cookies (and token, for POST, PUT, PATCH and DELETE);
    /// keeps the cookies the response sets and the CSRF token its page carries.
    public func request(
        _ path: String, method: String = "GET", headers extra: [String] = [], body: String? = nil,
        maxTime: Duration = .seconds(20)
    ) async throws -> LiveServer.Response {
        var headers: [String] = []
        if let cookie = cookies.header { headers.append("Cookie: \(cookie)") }
        if ["POST", "PUT", "PATCH", "DELETE"].contains(method), let csrfToken {
            headers.append("X-CSRF-Token: \(csrfToken)")
        }
        let response = try await LiveServer.request(
            url: baseURL + path, method: method, headers: headers + extra, body: body, maxTime: maxTime)
        for header in response.headers where header.name == "set-cookie" {
            cookies.store(setCookie: header.value)
        }
        if let found = Self.metaToken(in: response.body) { token.withLock { $0 = found } }
        if cookies.header == nil { token.withLock { $0 = nil } }
        return response
    }

    /// Signs in through the app's sign-in form: POSTs `form` (URL-encoded) to `path`, expects a
    /// redirect with the session cookie, then reads the page it leads to for the CSRF token.
    /// Throws `LiveServerError` naming the status when the app refuses.
    public func signIn(at path: String = "/login", form: KeyValuePairs<String, String>) async throws {
        let body = form.map { "\(Self.encoded($0.key))=\(Self.encoded($0.value))" }.joined(separator: "&")
        let response = try await request(path, method: "POST", body: body)
        guard response.status == 303, let location = response.header("location") else {
            throw LiveServerError("sign-in at \(path) answered \(response.status), not a 303 redirect")
        }
        // The page the redirect names, as a path on this server (the location may be absolute).
        let path = URL(string: location).map { $0.path + ($0.query.map { "?" + $0 } ?? "") } ?? location
        let page = try await request(path.hasPrefix("/") ? path : "/" + path)
        guard csrfToken != nil else {
            throw LiveServerError("the page after sign-in (\(location), \(page.status)) carries no csrf-token meta tag")
        }
    }

    /// The `content` of `<meta name="csrf-token" content="…">` in `html`.
    static func metaToken(in html: String) -> String? {
        guard let tag = html.range(of: #"<meta name="csrf-token" content=""#) else { return nil }
        let rest = html[tag.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    private static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}
