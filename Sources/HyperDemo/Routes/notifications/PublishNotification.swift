import Hyper

/// `POST /notifications` (form `user_id` of the recipient, `title`, `message`; signed in, with
/// the session's CSRF token): sends a notification to the recipient's open streams. A retry that
/// carries the first attempt's `Idempotency-Key` header sends it once.
struct PublishNotification: Route {
    static let method = HTTPRequest.Method.post
    static let access = Access.signedIn

    static func respond(to request: Request) async throws -> Response {
        let form = request.formFields
        let userID = try NotificationsPage.userID(in: form["user_id"])
        guard let title = form["title"], !title.isEmpty else {
            throw HTTPError(.badRequest, message: "A notification needs a title.")
        }
        let id = try await request.service(NotificationService.self).publish(
            to: userID, title: title, message: form["message"] ?? "", idempotencyKey: try request.idempotencyKey)
        return Response(text: "Published as event \(id).")
    }
}
