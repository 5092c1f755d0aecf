import Foundation
import Hyper

/// `/chat/{room_id}/stream`: the seed's real-time chat. A `connected` JSON event, then each
/// message posted to this room (and no other) as HTML.
struct ChatStream: EventStream {
    let room: String

    init(request: Request) throws {
        room = try request.parameter("room_id")
    }

    private struct Connected: Encodable {
        let room: String
        let time: String
    }

    func stream(to events: EventSink) async throws {
        let messages = DemoServices.shared.chat.subscribe(to: room)
        try await events.send(
            ServerSentEvent(event: "connected", data: Connected(room: room, time: Date.now.formatted(.iso8601))))
        for await message in messages {
            try await events.send(
                "message",
                """
                <div class="message" id="msg-\(message.id)">
                <img src="\(message.user.avatar)" alt="\(message.user.name)">
                <div>
                <strong>\(message.user.name)</strong>
                <p>\(message.text)</p>
                <time>\(message.timestamp)</time>
                </div>
                </div>
                """ as HTML)
        }
    }
}
