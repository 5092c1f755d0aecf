import Foundation
import Hyper

/// `/chat/{room_id}/stream`: the seed's real-time chat. A `connected` JSON event, then each
/// message posted to this room (and no other) as HTML with its id; resumes after
/// `Last-Event-ID` or `?after=`, or sends `reset` when it cannot.
struct ChatStream: EventStream {
    let room: String
    let start: ResumePoint

    init(request: Request) throws {
        room = try request.parameter("room_id")
        start = request.resumePoint
    }

    private struct Connected: Encodable {
        let room: String
        let time: String
    }

    func stream(to events: EventSink) async throws {
        let messages = DemoServices.shared.chat.subscribe(to: room, from: start)
        try await events.send(
            ServerSentEvent(event: "connected", data: Connected(room: room, time: Date.now.formatted(.iso8601))))
        try await events.relay(messages) { event in try ServerSentEvent(event: "message", data: event.html) }
    }
}
