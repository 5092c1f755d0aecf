import Hyper

/// `POST /chat/{room_id}/messages` (form `user`, `text`): posts a message to the room. A retry
/// that carries the first attempt's `Idempotency-Key` header posts it once.
struct PostChatMessage: Route {
    static let method = HTTPRequest.Method.post

    static func respond(to request: Request) async throws -> Response {
        let room: String = try request.parameter("room_id")
        let form = request.formFields
        guard let user = form["user"], !user.isEmpty, let text = form["text"], !text.isEmpty else {
            throw HTTPError(.badRequest, message: "A chat message needs a user and a text.")
        }
        let id = try await request.service(ChatService.self).post(
            text, by: user, to: room, idempotencyKey: try request.idempotencyKey)
        return Response(text: "Published as event \(id).")
    }
}
