extension Request {
    /// Starts a session for `userID` and returns `response` with its cookie: call it once the
    /// user has proved who they are (their password checked). Any session the request had ends
    /// first, so the new one has an id nobody knew before (no session fixation).
    ///
    /// ```swift
    /// guard let user = try await users.check(form["user"], password: form["password"]) else {
    ///     return Response(status: .unauthorized, html: SignInForm(failed: true).body)
    /// }
    /// return try await request.signIn(as: String(user.id), respondingWith: .redirect(to: "/inbox"))
    /// ```
    public func signIn(as userID: String, respondingWith response: Response) async throws -> Response {
        let sessions = try service(Sessions.self)
        let (_, secret) = try await sessions.signIn(userID: userID, replacing: session)
        var response = response
        response.setCookie(try sessions.cookie(carrying: secret, secure: isHTTPS))
        return response
    }

    /// Ends the request's session, if any, and returns `response` clearing its cookie: the
    /// session's streams on every instance end with `event: signed-out`.
    ///
    /// ```swift
    /// return try await request.signOut(respondingWith: .redirect(to: "/login"))
    /// ```
    public func signOut(respondingWith response: Response) async throws -> Response {
        let sessions = try service(Sessions.self)
        if let session { try await sessions.signOut(session) }
        var response = response
        response.setCookie(try sessions.clearingCookie())
        return response
    }

    /// The CSRF token of the request's session, if it has one.
    public var csrfToken: String? {
        session?.csrfToken
    }

    /// `<meta name="csrf-token" content="…">` for a layout's head (nothing without a session).
    public var csrfMetaTag: HTML {
        guard let csrfToken else { return "" }
        return "<meta name=\"csrf-token\" content=\"\(csrfToken)\">"
    }

    /// `<input type="hidden" name="_csrf" value="…">` for a plain form (nothing without a session).
    public var csrfField: HTML {
        guard let csrfToken else { return "" }
        return "<input type=\"hidden\" name=\"_csrf\" value=\"\(csrfToken)\">"
    }

    /// `hx-headers='{"X-CSRF-Token":"…"}'` for a layout's `<body>`: every htmx request of the
    /// page then carries the token (nothing without a session).
    public var csrfHTMXHeaders: HTML {
        guard let csrfToken else { return "" }
        return "hx-headers='{\"X-CSRF-Token\":\"\(csrfToken)\"}'"
    }
}

extension Sessions {
    /// The session cookie carrying `secret`: `HttpOnly; SameSite=Lax; Path=/`, lasting the
    /// session's lifetime, `Secure` over HTTPS or when configured so.
    /// Throws `CookieError` when the configured cookie name is not an HTTP token.
    package func cookie(carrying secret: String, secure: Bool) throws(CookieError) -> Cookie {
        try Cookie(
            name: configuration.cookieName, value: secret, path: "/",
            maxAge: max(1, Int(configuration.lifetime.seconds.rounded(.up))),
            secure: secure || configuration.alwaysSecure,
            httpOnly: true, sameSite: .lax)
    }

    /// A cookie that deletes the session cookie.
    func clearingCookie() throws(CookieError) -> Cookie {
        try Cookie(
            name: configuration.cookieName, value: "", path: "/", maxAge: 0, secure: configuration.alwaysSecure,
            httpOnly: true, sameSite: .lax)
    }
}
