import Hyper

/// `/chat/{room_id}`: a chat room's recent messages, live through `/chat/{room_id}/stream`.
///
/// The stream link resumes after the newest message rendered (`?after=`), so nothing posted
/// between the render and the connection is lost. On a `reset` the `room` fragment asks for
/// itself again (an htmx request with `HX-Target: room`): fresh messages and a new stream link.
struct ChatPage: Page, FragmentPage {
    let room: String
    let recent: HubSnapshot<ChatMessage>

    init(request: Request) async throws {
        room = try request.parameter("room_id")
        recent = try await request.service(ChatService.self).recent(in: room)
    }

    var roomFragment: Fragment {
        Fragment(
            id: "room",
            attributes: """
                hx-ext="sse" sse-connect="/chat/\(room)/stream?after=\(recent.position.description)" \
                hx-get="/chat/\(room)" hx-trigger="sse:reset" hx-swap="outerHTML"
                """
        ) {
            """
            <div id="messages" sse-swap="message" hx-swap="beforeend">
            \(recent.events.map(\.html))
            </div>
            """
        }
    }

    var body: HTML {
        Layout(title: "Chat: \(room)") {
            """
            <h1>Chat room \(room)</h1>
            \(roomFragment)
            <form hx-post="/chat/\(room)/messages" hx-swap="none" hx-on::after-request="this.reset()">
            <input name="user" placeholder="Your name" required>
            <input name="text" placeholder="Message" required>
            <button>Send</button>
            </form>
            """
        }
    }

    func fragment(id: String) -> Fragment? {
        id == roomFragment.id ? roomFragment : nil
    }
}
