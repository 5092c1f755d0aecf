import Hyper

/// `/chat/{room_id}`: a chat room's recent messages, live through `/chat/{room_id}/stream`.
///
/// The stream link resumes after the newest message rendered (`?after=`), so nothing posted
/// between the render and the connection is lost. On a `reset` the `room` fragment asks for
/// itself again (an htmx request with `HX-Target: room`): fresh messages and a new stream link.
///
/// Its links are built from the route types (`ChatStream.url(room_id:query:)`), so any room name
/// that reaches the page leads back to the same room, `?`, `#`, `%`, `\` and quotes included.
/// Names that are `.` or `..`, or contain `/`, never reach it: nginx decodes `%2F` and resolves
/// dot-segments before the router sees the path (and `RouteURL` refuses to build such URLs).
///
/// Only the signed-in may read and post (visitors are sent to `/login`); a message's author is
/// the signed-in user.
struct ChatPage: Page, FragmentPage {
    static let access = Access.signedIn.redirectingStrangers(to: "/login")

    let viewer: Viewer
    let room: String
    let recent: HubSnapshot<ChatMessage>
    let pageURL: RouteURL
    let streamURL: RouteURL
    let postURL: RouteURL

    init(request: Request) async throws {
        viewer = Viewer(request)
        room = try request.parameter("room_id")
        recent = try await request.service(ChatService.self).recent(in: room)
        pageURL = try ChatPage.url(room_id: room)
        streamURL = try ChatStream.url(room_id: room, query: ["after": recent.position.description])
        postURL = try PostChatMessage.url(room_id: room)
    }

    var roomFragment: Fragment {
        Fragment(
            id: "room",
            attributes: """
                hx-ext="sse" sse-connect="\(streamURL)" \
                hx-get="\(pageURL)" hx-trigger="sse:reset" hx-swap="outerHTML"
                """
        ) {
            """
            <div id="messages" sse-swap="message" hx-swap="beforeend">
            \(recent.events.map(\.html))
            </div>
            \(signedOutListener)
            """
        }
    }

    var body: HTML {
        Layout(title: "Chat: \(room)", viewer: viewer) {
            """
            <h1>Chat room \(room)</h1>
            \(roomFragment)
            <form hx-post="\(postURL)" hx-swap="none" hx-on::after-request="this.reset()">
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
