import Foundation
import Hyper
import Synchronization

/// Who wrote a chat message.
struct ChatUser: Sendable {
    let name: String
    let avatar: String
}

/// A message posted to a chat room.
struct ChatMessage: Sendable {
    let id: Int
    let user: ChatUser
    let text: String
    let timestamp: String
}

/// Chat rooms: messages reach every subscriber of their room and no other (the seed's
/// `subscribe_to_room`).
final class ChatService: Sendable {
    let hub = Hub<String, ChatMessage>()
    private let nextID = Atomic<Int>(1)

    /// The messages posted to `room` from now on.
    func subscribe(to room: String) -> Hub<String, ChatMessage>.Subscription {
        hub.subscribe(to: room)
    }

    /// Posts `text` by `user` to `room`; returns how many open streams received it.
    func post(_ text: String, by user: String, to room: String) -> Int {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let message = ChatMessage(
            id: id, user: ChatUser(name: user, avatar: Self.avatar(for: user)), text: text,
            timestamp: Date.now.formatted(.iso8601))
        return hub.publish(message, to: room)
    }

    /// A round SVG badge with the user's initial, as a `data:` URL (the demo needs no network).
    private static func avatar(for user: String) -> String {
        let initial = user.first.map { String($0).uppercased() } ?? "?"
        let escaped = initial.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        let svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><circle cx="16" cy="16" r="16" fill="#678"/>\
            <text x="16" y="21" font-size="14" text-anchor="middle" fill="#fff">\(escaped)</text></svg>
            """
        return "data:image/svg+xml," + (svg.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
    }
}
