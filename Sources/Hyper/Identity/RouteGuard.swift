import HTTPTypes

/// What runs before every route: finds who is asking (`Request.session`), refuses cross-site
/// and token-less unsafe requests (`CSRFProtection`), applies the route's `Access`; after the
/// route, clears a cookie that names no live session and gives a stream its owner, so it ends
/// with its session.
struct RouteGuard: Sendable {
    let access: Access
    let csrf: CSRFProtection

    /// Runs `handler` for `request` if it may, or throws the `RequestRefusal` to answer.
    func respond(to request: Request, with handler: RequestHandler) async throws -> Response {
        var request = request
        // The cookie that deletes a session cookie naming no live session, set on the answer.
        var clearing: Cookie?
        if let sessions = request.services[Sessions.self],
            let secret = request.cookie(sessions.configuration.cookieName)
        {
            request.session = try await sessions.session(forCookie: secret)
            if request.session == nil { clearing = try sessions.clearingCookie() }
        }
        do {
            if csrf == .required && request.method.isUnsafe { try Self.checkOrigin(of: request) }
            try await admit(request)
            if csrf == .required && request.method.isUnsafe, let session = request.session {
                try Self.checkToken(of: request, against: session)
            }
        } catch var refusal as RequestRefusal {
            if let clearing { refusal.headerFields.append(HTTPField(name: .setCookie, value: clearing.headerValue)) }
            throw refusal
        }
        var response = try await handler(request)
        // Unless the route set the cookie itself (a sign-in with a dead session's cookie).
        if let clearing,
            !response.headerFields[values: .setCookie].contains(where: { $0.hasPrefix(clearing.name + "=") })
        {
            response.setCookie(clearing)
        }
        if let owner = request.session, case .stream(var body) = response.body {
            body.owner = owner
            response.body = .stream(body)
        }
        return response
    }

    /// Applies `access`: 401 (or a 303 to sign in) for nobody signed in, 403 when the rule refuses
    /// (an error the rule throws is answered as thrown).
    private func admit(_ request: Request) async throws {
        guard case .signedIn(let rule) = access.requirement else { return }
        guard let session = request.session else {
            if let signIn = access.signInPath, request.method == .get || request.method == .head {
                throw RequestRefusal(.seeOther, cause: "Sign in first.", location: signIn)
            }
            throw RequestRefusal(.unauthorized, cause: "Sign in first.")
        }
        if let rule, try await !rule(request, session) {
            throw RequestRefusal(.forbidden, cause: "This is not yours to use.")
        }
    }

    /// Refuses an unsafe request that announces itself as cross-site.
    private static func checkOrigin(of request: Request) throws(RequestRefusal) {
        if request.header(.secFetchSite) == "cross-site" {
            throw RequestRefusal(.forbidden, cause: "Cross-site requests are refused.", logLevel: .notice)
        }
        if let origin = request.header(.origin), !request.isOwn(origin: origin) {
            throw RequestRefusal(
                .forbidden, cause: "Requests from another origin are refused: \(origin.escapingControlCharacters).",
                logLevel: .notice)
        }
    }

    /// Refuses an unsafe request of `session` without its CSRF token.
    private static func checkToken(of request: Request, against session: Session) throws(RequestRefusal) {
        let sent = request.header(.csrfToken) ?? request.formToken
        guard let sent else {
            throw RequestRefusal(
                .forbidden, cause: "The request carries no CSRF token (X-CSRF-Token or _csrf).", logLevel: .notice)
        }
        guard SessionSecret.constantTimeEquals(sent, session.csrfToken) else {
            throw RequestRefusal(.forbidden, cause: "The request's CSRF token is not its session's.", logLevel: .notice)
        }
    }
}

extension HTTPRequest.Method {
    /// POST, PUT, PATCH and DELETE: the methods that change something, which CSRF protection covers.
    var isUnsafe: Bool {
        self == .post || self == .put || self == .patch || self == .delete
    }
}

extension HTTPField.Name {
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    /// `Host`, which swift-http-types keeps as the request's authority: nginx passes it as a field.
    static let hostField = HTTPField.Name("Host")!
}

extension Request {
    /// Whether `origin` (an `Origin` header: `scheme://host[:port]`, or `null`) is this site: its
    /// host is the request's `Host`, and its port too when `Host` names one (nginx's stock
    /// `fastcgi_params` and `scgi_params` pass `$host`, without the port); over HTTPS it must be
    /// `https`. An opaque origin (`null`) is never this site.
    func isOwn(origin: String) -> Bool {
        guard let host = header(.hostField)?.lowercased(), !host.isEmpty else { return false }
        let parts = origin.lowercased().split(separator: "://", maxSplits: 1)
        guard parts.count == 2, parts[0] == "https" || (parts[0] == "http" && !isHTTPS) else { return false }
        let authority = parts[1]
        if authority == host { return true }
        // A Host without a port: the origin's host name alone must match.
        guard !host.contains(":") || host.hasPrefix("["), let colon = authority.lastIndex(of: ":"),
            !authority[colon...].contains("]")
        else { return false }
        return authority[..<colon] == host
    }

    /// The `_csrf` field of a form body.
    var formToken: String? {
        guard header(.contentType)?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return nil
        }
        return formFields["_csrf"]
    }
}
