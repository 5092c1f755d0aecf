import Hyper

/// `POST /status/{user_id}` (form `status`): changes a user's status; open status streams
/// send the re-rendered fragment.
struct UpdateStatus: Route {
    static let method = HTTPRequest.Method.post

    static func respond(to request: Request) async throws -> Response {
        let userID: Int = try request.parameter("user_id")
        guard let status = request.formFields["status"], !status.isEmpty else {
            throw HTTPError(.badRequest, message: "A status update needs a status.")
        }
        let id = try await request.service(StatusService.self).setStatus(status, of: userID)
        return Response(text: "Published as event \(id).")
    }
}
