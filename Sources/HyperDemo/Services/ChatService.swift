import Foundation
import Hyper
import Logging
import Synchronization

/// Who wrote a chat message.
struct ChatUser: Sendable, Codable {
    let name: String
    let avatar: String
}

/// A message posted to a chat room.
struct ChatMessage: Sendable, Codable, HubMessageSize {
    let user: ChatUser
    let text: String
    let timestamp: String

    /// Its text, author and time, as a room's history counts them.
    var byteSize: Int {
        user.name.utf8.count + user.avatar.utf8.count + text.utf8.count + timestamp.utf8.count
    }
}

/// Chat rooms: messages reach every subscriber of their room and no other; each room keeps a
/// history, so a stream resumes where it left off.
final class ChatService: Sendable {
    /// How many recent messages a room's page shows.
    static let recentCount = 50

    let hub: Hub<String, ChatMessage>
    /// Tells a room's open streams to end (`cutStreams`); keeps no history.
    private let cuts = Hub<String, Int>(history: HubHistory(maximumCount: 0))
    /// Stream connections to refuse, by room.
    private let refusals = Mutex<[String: Int]>([:])

    init(hub: Hub<String, ChatMessage>) {
        self.hub = hub
    }

    /// Ends every open stream of `room` and has the next `count` connections to it refused.
    func cutStreams(of room: String, refusingNext count: Int) async throws {
        refusals.withLock { $0[room] = count }
        try await cuts.publish(count, to: room)
    }

    /// A signal for the streams of `room` to end; subscribe before streaming.
    func cutSignal(of room: String) -> Hub<String, Int>.Subscription {
        cuts.subscribe(to: room)
    }

    /// Whether a connection to `room` must be refused now (counts it).
    func refusesConnection(to room: String) -> Bool {
        refusals.withLock { refusals in
            guard let left = refusals[room], left > 0 else { return false }
            refusals[room] = left - 1
            return true
        }
    }

    /// The messages of `room` from `start` on.
    func subscribe(to room: String, from start: ResumePoint) -> Hub<String, ChatMessage>.Subscription {
        hub.subscribe(to: room, from: start)
    }

    /// The newest messages of `room` and the position its stream resumes after.
    func recent(in room: String) async throws -> HubSnapshot<ChatMessage> {
        try await hub.recent(Self.recentCount, in: room)
    }

    /// Posts `text` by `user` to `room`, once per `idempotencyKey`; returns the message's id.
    func post(_ text: String, by user: String, to room: String, idempotencyKey: IdempotencyKey? = nil)
        async throws -> EventID
    {
        let message = ChatMessage(
            user: ChatUser(name: user, avatar: Self.avatar(for: user)), text: text,
            timestamp: Date.now.formatted(.iso8601))
        return try await hub.publish(message, to: room, idempotencyKey: idempotencyKey)
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

extension HubEvent<ChatMessage> {
    /// The message as the room's page and stream show it; its element id carries the event id.
    var html: HTML {
        """
        <div class="message" id="msg-\(id.description)">
        <img src="\(message.user.avatar)" alt="\(message.user.name)">
        <div>
        <strong>\(message.user.name)</strong>
        <p>\(message.text)</p>
        <time>\(message.timestamp)</time>
        </div>
        </div>
        """
    }
}
