import FoundationEssentials
import Synchronization

/// The hub backend of one process: each topic's history in memory, subscribers served from it.
///
/// Ids come from one counter for all topics, which starts at the microseconds since 1970 when the
/// backend is made. So ids increase within each topic, and an id from before a restart is smaller
/// than any this backend issues: resuming from it gets `reset` (`.expired`), never the messages of
/// a different history under the same numbers. (Publishing a million messages a second for the
/// whole life of the process would let the counter outrun the clock; nothing else would.)
///
/// A subscriber holds no buffer of its own: it reads the topic's history from its position, and
/// waits only when it has read everything. Publishing appends to history and hands the message to
/// the waiting subscribers; it never waits for any of them. A subscriber that falls behind by more
/// than history holds gets `reset` (`.fellBehind`).
///
/// A message larger than `history.maximumMessageBytes` (as `HubMessageSize` reports it) is
/// refused with `HubMessageTooLargeError`; all topics together hold at most `history.budget`'s
/// bytes, the oldest messages of the largest topics leaving first (`HistoryBudget`). An
/// idempotency key is remembered while the message published with it is in history.
///
/// Age is enforced when a topic is used (published to, subscribed to, read) and when its budget
/// sweeps (an `Application` sweeps every second); a topic, once used, keeps its small record (its
/// horizon) for the life of the backend, so an app with very many short-lived topics holds a few
/// hundred bytes for each, plus whatever history is still in it.
public final class InMemoryHubBackend<Topic: Hashable & Sendable, Message: Sendable>: HubBackend {
    public let history: HubHistory

    private let topics = Mutex<[Topic: TopicLog<Message>]>([:])
    private let subscriptions = SubscriptionCount()
    private let counter: IDCounter

    /// A backend keeping `history` per topic, whose first id is `firstID` (by default the
    /// microseconds since 1970 now).
    public init(history: HubHistory = .default, firstID: EventID? = nil) {
        self.history = history
        let start = firstID ?? EventID(rawValue: Int64(Date.now.timeIntervalSince1970 * 1_000_000))!
        counter = IDCounter(last: max(start.rawValue, 1) - 1)
    }

    public func publish(_ message: Message, to topic: Topic, idempotencyKey: IdempotencyKey?) async throws
        -> EventID
    {
        let size = Self.size(of: message)
        guard size <= history.maximumMessageBytes else {
            throw HubMessageTooLargeError(topic: "\(topic)", size: size, limit: history.maximumMessageBytes)
        }
        return log(of: topic).append(message, size: size, idempotencyKey: idempotencyKey, counter: counter)
    }

    /// The bytes `message` holds: the size it reports (`HubMessageSize`), else its inline size.
    static func size(of message: Message) -> Int {
        (message as? any HubMessageSize)?.byteSize ?? MemoryLayout<Message>.size
    }

    public func subscribe(to topic: Topic, from start: ResumePoint) -> any HubCursor<Message> {
        InMemoryHubCursor(log: log(of: topic), start: start, history: history, counter: counter, count: subscriptions)
    }

    public func recent(_ limit: Int, in topic: Topic) async throws -> HubSnapshot<Message> {
        log(of: topic).recent(limit, counter: counter)
    }

    public var subscriptionCount: Int {
        subscriptions.value.load(ordering: .relaxed)
    }

    /// Bytes held in `topic`'s history now (`HubMessageSize`).
    public func historyBytes(of topic: Topic) -> Int {
        log(of: topic).usage.bytes
    }

    /// Messages held in `topic`'s history now.
    public func historyCount(of topic: Topic) -> Int {
        log(of: topic).count()
    }

    private func log(of topic: Topic) -> TopicLog<Message> {
        topics.withLock { topics in
            if let log = topics[topic] { return log }
            let log = TopicLog<Message>(horizon: EventID(rawValue: counter.last)!, history: history)
            topics[topic] = log
            return log
        }
    }
}

/// The last id a backend issued, over all its topics.
final class IDCounter: Sendable {
    private let value: Atomic<Int64>

    init(last: Int64) {
        value = Atomic(last)
    }

    /// The last id issued.
    var last: Int64 { value.load(ordering: .acquiring) }

    /// Issues the next id.
    func next() -> EventID {
        EventID(rawValue: value.add(1, ordering: .acquiringAndReleasing).newValue)!
    }
}
