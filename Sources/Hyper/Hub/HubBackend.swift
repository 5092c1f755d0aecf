/// Where a `Hub` keeps its topics: the in-memory `InMemoryHubBackend` (the default), or a durable
/// one shared by several processes (such as a PostgreSQL table). An app picks its backend where it
/// makes its hub; routes only see `Hub`.
///
/// ## The contract
///
/// **Ids.** `publish` gives each message an `EventID`. Within a topic, ids strictly increase in
/// the order the messages are delivered to every subscriber; they need not be consecutive, and
/// may be shared with other topics (one sequence for all). A message is visible to subscribers
/// only once every message of its topic with a smaller id is, so a subscriber never sees id 9
/// and then id 8.
///
/// **Position.** An id `p` is a *position*: "every message with an id ≤ p". A position need not
/// be the id of a message of the topic. `recent(_:in:)` returns the position now: every message
/// published before the call has an id ≤ it, every one published after has a greater id.
///
/// **History.** A backend keeps a bounded history per topic. Its *horizon* `h` is the greatest
/// position it cannot resume from: the id of the newest message dropped from history, or, for a
/// topic it knows nothing older of, the position at which its history began. History *covers* a
/// position `p` when `h ≤ p ≤ now`: then every message with an id > p is still held.
///
/// **Subscribing.** `subscribe(to:from:)` returns a cursor that yields, in id order and each
/// exactly once:
/// - `.live`: the messages published after the call (no reset);
/// - `.after(p)` with history covering `p`: every message with an id > p, then the live ones,
///   with no gap and no duplicate between the two, however many publish meanwhile;
/// - `.after(p)` with `p < h`: `.reset(.expired(p))`, then every message after its `resumeID`
///   (the position now);
/// - `.after(p)` with `p > now`: `.reset(.unknownID(p))`, then as above;
/// - `.invalid(value)`: `.reset(.invalidID(value))`, then as above.
///
/// A reset's `resumeID` is the position the cursor carries on from. A subscriber that reads so
/// slowly that history drops a message it has not read gets `.reset(.fellBehind(p))` (`p` its
/// last position) and carries on from the position now: never a silent gap.
///
/// **Lifetime.** The subscription lasts as long as its cursor: a backend unregisters it when the
/// cursor is released. `next()` returns nil when the waiting task is cancelled; it never throws:
/// a backend that loses its connection keeps the cursor waiting and catches up once it is back.
///
/// **Idempotency.** A `publish` with a key that a message of the topic still in history was
/// published with stores nothing and returns that message's id. Once the message has left
/// history, the key is forgotten.
///
/// **Errors.** `publish` returns once the message is stored for good (for a database: committed)
/// and throws when it could not be; the message is then published nowhere. A backend that cannot
/// reach its store throws `HubUnavailableError`, which a route turns into a 503. A backend that
/// cannot tell whether the message was stored (its connection failed while committing) throws
/// `HubPublishOutcomeUnknownError`, a 500, and logs a warning; it never throws
/// `HubUnavailableError` for a message that may yet be delivered.
public protocol HubBackend<Topic, Message>: Sendable {
    associatedtype Topic: Hashable & Sendable
    associatedtype Message: Sendable

    /// Stores `message` as the newest of `topic` and returns its id, after which every
    /// subscriber of the topic receives it; with an `idempotencyKey` already in the topic's
    /// history, stores nothing and returns the id of the message published with it.
    func publish(_ message: Message, to topic: Topic, idempotencyKey: IdempotencyKey?) async throws -> EventID

    /// A cursor over `topic` starting at `start`, following the contract above.
    func subscribe(to topic: Topic, from start: ResumePoint) -> any HubCursor<Message>

    /// The newest messages of `topic` still in history (at most `limit`, oldest first) and the
    /// position now, read together: a page that renders them and connects with
    /// `after=<position>` neither misses nor repeats a message.
    func recent(_ limit: Int, in topic: Topic) async throws -> HubSnapshot<Message>

    /// Subscriptions alive in this process, over all topics.
    var subscriptionCount: Int { get }
}

/// One subscriber's place in a topic, made by `HubBackend.subscribe(to:from:)`.
public protocol HubCursor<Message>: AnyObject, Sendable {
    associatedtype Message: Sendable

    /// The position the cursor started from: `p` for `.after(p)` that history covered, the
    /// position when it was made otherwise (the `resumeID` of its first reset, if any).
    var start: EventID { get }

    /// The next delivery, waiting until there is one; nil once the calling task is cancelled.
    /// One task at a time reads a cursor.
    func next() async -> HubDelivery<Message>?
}

/// The newest messages of a topic and the position they were read at.
public struct HubSnapshot<Message: Sendable>: Sendable {
    /// Oldest first; every one has an id ≤ `position`.
    public let events: [HubEvent<Message>]
    /// Every message of the topic not in `events` and published later has a greater id.
    public let position: EventID

    public init(events: [HubEvent<Message>], position: EventID) {
        self.events = events
        self.position = position
    }
}
