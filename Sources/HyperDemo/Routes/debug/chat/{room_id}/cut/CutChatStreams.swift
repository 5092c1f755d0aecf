import Hyper

/// `POST /debug/chat/{room_id}/cut?refuse=N`: ends every open stream of the room (as a network
/// blip or a restart would) and answers the room's next `N` stream connections (0…10) with 503,
/// which makes the browser's EventSource give up and htmx open a new one. The browser test uses
/// it to check that a page ends with every message exactly once.
struct CutChatStreams: Route {
    static let method = HTTPRequest.Method.post

    static func respond(to request: Request) async throws -> Response {
        let room: String = try request.parameter("room_id")
        let raw = request.query["refuse"] ?? "0"
        guard let refusals = Int(raw), (0...10).contains(refusals) else {
            throw HTTPError(.badRequest, message: "refuse must be a whole number from 0 to 10, not “\(raw)”.")
        }
        try await request.service(ChatService.self).cutStreams(of: room, refusingNext: refusals)
        return Response(text: "Cut the streams of \(room); refusing the next \(refusals).")
    }
}
