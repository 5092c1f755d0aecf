import Hyper

/// `POST /login` (form `user_id`, `password`): a 303 to the user's notifications with a new
/// session's cookie, or 401 with the form again. A wrong user costs the same time as a wrong
/// password (`DemoPasswords`).
struct SignIn: Route {
    static let method = HTTPRequest.Method.post

    static func respond(to request: Request) async throws -> Response {
        let form = request.formFields
        let userID = form["user_id"].flatMap { Int($0) }
        guard let userID, DemoPasswords.check(userID: userID, password: form["password"] ?? "") else {
            return Response(status: .unauthorized, html: LoginPage(viewer: Viewer(request), failed: true).body)
        }
        return try await request.signIn(
            as: String(userID), respondingWith: .redirect(to: NotificationsPage.url().description))
    }
}
