import Hyper

/// `/chat/{room_id}`: a chat room, live through `/chat/{room_id}/stream`.
struct ChatPage: Page {
    let room: String

    init(request: Request) throws {
        room = try request.parameter("room_id")
    }

    var body: HTML {
        Layout(title: "Chat: \(room)") {
            """
            <h1>Chat room \(room)</h1>
            <div id="messages" hx-ext="sse" sse-connect="/chat/\(room)/stream" sse-swap="message" hx-swap="beforeend">
            </div>
            <form hx-post="/chat/\(room)/messages" hx-swap="none" hx-on::after-request="this.reset()">
            <input name="user" placeholder="Your name" required>
            <input name="text" placeholder="Message" required>
            <button>Send</button>
            </form>
            """
        }
    }
}
