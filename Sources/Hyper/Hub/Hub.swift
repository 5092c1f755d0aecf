import Logging

/// Publish/subscribe by topic, where each topic is an ordered log that subscribers can resume,
/// so that a live page (a chat room, a feed) never misses a message.
///
/// Every published message gets an `EventID`, strictly increasing within its topic, and stays in
/// the topic's history for a while (`HubHistory`). A subscription starts from a `ResumePoint`,
/// usually `request.resumePoint`: it yields every message after that id still in history, then
/// the live ones, in order and each exactly once. When history cannot cover the gap (the id is too
/// old, unknown or not an id), or the subscriber reads so slowly that history drops what it has
/// not read, it yields a `reset` instead of silently skipping, and carries on live.
///
/// ```swift
/// let rooms = Hub<String, ChatMessage>()
///
/// // In a stream route: `id:` on each event, `reset` when the gap cannot be filled.
/// try await events.relay(rooms.subscribe(to: roomID, from: request.resumePoint)) { event in
///     try ServerSentEvent(event: "message", data: event.message.html)
/// }
///
/// // In a form action (throws `HubUnavailableError`, a 503, when a durable backend is down);
/// // a retry that carries the same `Idempotency-Key` header is published once:
/// try await rooms.publish(message, to: roomID, idempotencyKey: try request.idempotencyKey)
///
/// // In a page: the recent messages, and the position its stream link resumes after.
/// let recent = try await rooms.recent(50, in: roomID)  // recent.events, recent.position
/// ```
///
/// Where topics live is the hub's `HubBackend`: by default `InMemoryHubBackend` (one process, no
/// database); a durable backend shared by several processes plugs in at `init(backend:)` without a
/// change to any route.
///
/// A subscription ends, and leaves the hub, when the task iterating it is cancelled (the client
/// went away) or when the subscription and its iterators are released.
public final class Hub<Topic: Hashable & Sendable, Message: Sendable>: Sendable {
    /// Where the topics are kept.
    public let backend: any HubBackend<Topic, Message>
    private let logger: Logger

    /// A hub over `backend`; `logger` hears about resume points that are not ids (debug level).
    public init(backend: some HubBackend<Topic, Message>, logger: Logger = Logger(label: "Hyper.Hub")) {
        self.backend = backend
        self.logger = logger
    }

    /// A hub in this process's memory keeping `history` per topic.
    public convenience init(history: HubHistory = .default, logger: Logger = Logger(label: "Hyper.Hub")) {
        self.init(backend: InMemoryHubBackend<Topic, Message>(history: history), logger: logger)
    }

    /// Publishes `message` as the newest of `topic` and returns its id, once the backend has
    /// stored it. Throws `HubUnavailableError` (a 503) when it could not, or
    /// `HubMessageTooLargeError` (a 413) for a message over `HubHistory.maximumMessageBytes`, and
    /// then no subscriber receives it; throws `HubPublishOutcomeUnknownError` (a 500) in the rare
    /// case the backend cannot tell, because its store failed while committing.
    ///
    /// With an `idempotencyKey`, a message the topic's history holds under the same key is not
    /// stored again: the call returns that message's id, and `message` is dropped. So a client
    /// that retries a publish with the key it first sent publishes once.
    @discardableResult
    public func publish(_ message: Message, to topic: Topic, idempotencyKey: IdempotencyKey? = nil) async throws
        -> EventID
    {
        try await backend.publish(message, to: topic, idempotencyKey: idempotencyKey)
    }

    /// Subscribes to `topic` from `start`: the messages after it, then the live ones (see
    /// `HubBackend` for the exact rules, and when a `reset` comes first).
    public func subscribe(to topic: Topic, from start: ResumePoint = .live) -> Subscription {
        if case .invalid(let value) = start {
            logger.debug(
                "Hyper: resume point is not an event id; the subscription starts with reset",
                metadata: ["topic": "\(topic)", "value": "\(value.debugDescription)"])
        }
        return Subscription(cursor: backend.subscribe(to: topic, from: start))
    }

    /// The newest messages of `topic` (at most `limit`, oldest first) and the position to resume
    /// after, so a page renders them and its stream link carries `after=<position>`.
    public func recent(_ limit: Int, in topic: Topic) async throws -> HubSnapshot<Message> {
        try await backend.recent(limit, in: topic)
    }

    /// Subscriptions alive in this process, over all topics.
    public var subscriptionCount: Int {
        backend.subscriptionCount
    }
}

extension Hub {
    /// The deliveries of one topic, as one subscriber receives them.
    public struct Subscription: AsyncSequence, Sendable {
        public typealias Element = HubDelivery<Message>
        public typealias Failure = Never

        fileprivate let cursor: any HubCursor<Message>

        /// The position the subscription started from (see `HubCursor.start`).
        public var start: EventID { cursor.start }

        public func makeAsyncIterator() -> Iterator {
            Iterator(cursor: cursor)
        }

        /// Takes the subscription's deliveries in order; nil once the task is cancelled.
        public struct Iterator: AsyncIteratorProtocol {
            fileprivate let cursor: any HubCursor<Message>

            public mutating func next() async -> HubDelivery<Message>? {
                await cursor.next()
            }
        }
    }
}
