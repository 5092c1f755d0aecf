import Hyper

/// `POST /chat/{room_id}/messages` (form `text`; signed in, with the session's CSRF token):
/// posts a message by the signed-in user to the room. A retry that carries the first attempt's
/// `Idempotency-Key` header posts it once.
struct PostChatMessage: Route {
    static let method = HTTPRequest.Method.post
    static let access = Access.signedIn

    static func respond(to request: Request) async throws -> Response {
        let room: String = try request.parameter("room_id")
        let form = request.formFields
        guard let text = form["text"], !text.isEmpty else {
            throw HTTPError(.badRequest, message: "A chat message needs a text.")
        }
        let userID = try Viewer.userID(of: request)
        let user = SampleStore.users[userID]?.name ?? "user \(userID)"
        let id = try await request.service(ChatService.self).post(
            text, by: user, to: room, idempotencyKey: try request.idempotencyKey)
        return Response(text: "Published as event \(id).")
    }
}
