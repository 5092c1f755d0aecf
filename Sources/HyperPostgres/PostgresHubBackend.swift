import Foundation
import Hyper
import Logging
import Synchronization

/// A `HubBackend` whose topics live in PostgreSQL, shared by every instance of the app that uses
/// the same database: a message published on one instance reaches the subscribers of all of them,
/// and a client that reconnects to another instance resumes where it left off.
///
/// ```swift
/// let store = try await PostgresHubStore.connect(to: PostgresURL(url), logger: logger)
/// let rooms = Hub(backend: store.backend(named: "chat", topics: String.self, messages: ChatMessage.self))
/// ```
///
/// Messages are stored as JSON in the store's event log under the topic `<name>/<topic>`; their
/// ids come from the database, one sequence for all topics. `publish` returns after the commit
/// and throws `HubUnavailableError` (a 503) when the database cannot be reached or is too slow,
/// and then the message is never stored; when the append was sent and no answer came (the
/// connection failed), it logs a warning and throws `HubPublishOutcomeUnknownError` (a 500). An idempotency key is kept
/// with the message in the table, as long as retention keeps the message. Each topic with
/// subscribers here keeps its newest events in memory (`topicCapacity`); a subscriber further
/// behind, or resuming from further back, reads the table. History is what the table still
/// holds: resuming from an id older than the store's retention gives `reset` (`expired`), an id
/// greater than any in the table `reset` (`unknown-id`). An id above what this instance has
/// received may come from another instance that is ahead: such a cursor's `start` is that id
/// until the table confirms it, or its first delivery is the `unknown-id` reset, whose `resumeID`
/// then tells where it carries on. While the database is down, subscribers wait; they get what
/// was published meanwhile once it is back.
public final class PostgresHubBackend<
    Topic: LosslessStringConvertible & Hashable & Sendable, Message: Codable & Sendable
>: HubBackend, PostgresEventReceiver {
    /// The namespace of this backend's topics in the table.
    public let name: String
    /// Events each subscribed topic keeps in memory.
    public let topicCapacity: Int
    let store: PostgresHubStore
    private let logger: Logger
    private let cursors = Atomic<Int>(0)

    private struct State {
        var logs: [String: PostgresTopicLog<Message>] = [:]
        /// Every event up to this id has been received.
        var now: EventID
    }

    private let state: Mutex<State>

    init(store: PostgresHubStore, name: String, topicCapacity: Int, logger: Logger) {
        self.store = store
        self.name = name
        self.topicCapacity = topicCapacity
        self.logger = logger
        state = Mutex(State(now: .zero))
    }

    /// Joins the store's router; called once, right after `init`.
    func register() {
        let start = store.router.register(self, for: name)
        state.withLock { $0.now = start }
    }

    public func publish(_ message: Message, to topic: Topic, idempotencyKey: IdempotencyKey?) async throws
        -> EventID
    {
        let payload = try JSONEncoder().encode(message)
        let id: Int64
        do {
            id = try await store.log.append(
                Array(payload), to: storedTopic(topic), idempotencyKey: idempotencyKey?.rawValue)
        } catch let error as EventLogUnavailableError {
            throw HubUnavailableError(topic: topic.description, reason: error.description)
        } catch let error as EventLogOutcomeUnknownError {
            logger.warning(
                "HyperPostgres: a publish may or may not have been stored: it was sent, and its commit never confirmed",
                metadata: [
                    "topic": "\(topic)", "idempotency-key": "\(idempotencyKey?.rawValue ?? "none")",
                    "cause": "\(error.cause)",
                ])
            throw HubPublishOutcomeUnknownError(topic: topic.description, reason: error.description)
        }
        // A row with such an id is never delivered (subscribers skip it), so it is not published.
        guard let eventID = EventID(rawValue: id) else {
            throw HubUnavailableError(topic: topic.description, reason: "the database returned id \(id)")
        }
        return eventID
    }

    public func subscribe(to topic: Topic, from start: ResumePoint) -> any HubCursor<Message> {
        let key = topic.description
        let (log, now) = state.withLock { state in
            let log = state.logs[key] ?? PostgresTopicLog(horizon: state.now, capacity: topicCapacity)
            state.logs[key] = log
            log.state.withLock { $0.cursors += 1 }
            return (log, state.now)
        }
        let place: PostgresHubCursor<Topic, Message>.Place
        switch start {
        case .live:
            place = .init(position: now)
        case .invalid(let value):
            place = .init(position: now, pendingReset: HubReset(reason: .invalidID(value), resumeID: now))
        case .after where !PostgresEventLog.canHold(storedTopic(topic)):
            // Nothing is ever published to it: the cursor never reads the table.
            place = .init(position: now)
        case .after(let id) where id.rawValue < store.prunedThrough:
            place = .init(position: now, pendingReset: HubReset(reason: .expired(id), resumeID: now))
        case .after(let id):
            place = .init(position: id, mustConfirm: id > now)
        }
        cursors.add(1, ordering: .relaxed)
        return PostgresHubCursor(backend: self, topic: key, log: log, place: place)
    }

    public func recent(_ limit: Int, in topic: Topic) async throws -> HubSnapshot<Message> {
        do {
            let (stored, position) = try await store.log.recent(limit, in: storedTopic(topic))
            return HubSnapshot(events: decode(stored), position: EventID(rawValue: position) ?? .zero)
        } catch let error as EventLogUnavailableError {
            throw HubUnavailableError(topic: topic.description, reason: error.description)
        }
    }

    public var subscriptionCount: Int {
        cursors.load(ordering: .relaxed)
    }

    func receive(_ events: [StoredEvent], through: EventID) -> @Sendable () -> Void {
        var byTopic: [String: [StoredEvent]] = [:]
        for event in events {
            byTopic[String(event.topic.dropFirst(name.count + 1)), default: []].append(event)
        }
        let waiters = state.withLock { state in
            state.now = through
            return byTopic.flatMap { topic, events in
                state.logs[topic].map { $0.append(decode(events)) } ?? []
            }
        }
        return { for waiter in waiters { waiter.resume() } }
    }

    /// Every event up to this id has been received.
    var now: EventID {
        state.withLock { $0.now }
    }

    /// The topic's name in the table.
    func storedTopic(_ topic: some CustomStringConvertible) -> String {
        name + "/" + topic.description
    }

    /// The events whose payloads decode; one that does not (written by another version of the
    /// app, say) is logged and skipped.
    func decode(_ events: [StoredEvent]) -> [HubEvent<Message>] {
        let decoder = JSONDecoder()
        return events.compactMap { event in
            do {
                guard let id = EventID(rawValue: event.id) else { return nil }
                return HubEvent(id: id, message: try decoder.decode(Message.self, from: Data(event.payload)))
            } catch {
                logger.error(
                    "HyperPostgres: an event's payload does not decode; skipped",
                    metadata: ["id": "\(event.id)", "topic": "\(event.topic)", "error": "\(error)"])
                return nil
            }
        }
    }

    /// A cursor over `topic` has gone: the topic's log goes with the last one.
    func release(_ log: PostgresTopicLog<Message>, of topic: String) {
        cursors.subtract(1, ordering: .relaxed)
        state.withLock { state in
            let remaining = log.state.withLock { log in
                log.cursors -= 1
                return log.cursors
            }
            if remaining == 0, state.logs[topic] === log { state.logs[topic] = nil }
        }
    }
}
