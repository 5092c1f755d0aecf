import Hyper

/// `POST /logout` (the session's CSRF token required): ends the session, and with it its open
/// streams on every instance; a 303 to the sign-in page, clearing the cookie.
struct SignOut: Route {
    static let method = HTTPRequest.Method.post

    static func respond(to request: Request) async throws -> Response {
        try await request.signOut(respondingWith: .redirect(to: LoginPage.url().description))
    }
}
