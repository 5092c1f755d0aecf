import Foundation
import Hyper

/// `/chat/{room_id}/stream`: a room's real-time chat. A `connected` JSON event, a `retry:` of
/// half a second, then each message posted to this room (and no other) as HTML with its id;
/// resumes after `Last-Event-ID` or `?after=`, or sends `reset` when it cannot. Ends when
/// `/debug/chat/{room_id}/cut` says so, and answers 503 while that asks for refusals.
///
/// Only for the signed-in (401 otherwise); ends with `signed-out` when the session does.
struct ChatStream: EventStream {
    static let access = Access.signedIn

    let room: String
    let start: ResumePoint
    let chat: ChatService

    init(request: Request) throws {
        room = try request.parameter("room_id")
        start = request.resumePoint
        chat = try request.service(ChatService.self)
        if chat.refusesConnection(to: room) {
            throw HTTPError(.serviceUnavailable, message: "This room refuses streams for a moment.")
        }
    }

    private struct Connected: Encodable {
        let room: String
        let time: String
    }

    func stream(to events: EventSink) async throws {
        let messages = chat.subscribe(to: room, from: start)
        let cut = chat.cutSignal(of: room)
        try await events.send(
            ServerSentEvent(event: "connected", data: Connected(room: room, time: Date.now.formatted(.iso8601))))
        try await events.send(.retry(.milliseconds(500)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await events.relay(messages) { event in try ServerSentEvent(event: "message", data: event.html) }
            }
            group.addTask {
                for await _ in cut { return }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
