import Hyper
import Synchronization

/// A subscriber's place in one topic of a `PostgresHubBackend`: it takes events from the topic's
/// log in memory while its position is within the log, and reads the table while it is older.
final class PostgresHubCursor<Topic: LosslessStringConvertible & Hashable & Sendable, Message: Codable & Sendable>:
    HubCursor
{
    struct Place: Sendable {
        /// The id of the last event delivered, or the position the cursor started from.
        var position: EventID
        /// A reset to deliver before anything else.
        var pendingReset: HubReset?
        /// Whether the position is ahead of what this process has received, and must be found
        /// not to be ahead of the table before the cursor goes on.
        var mustConfirm = false
        /// Events read from the table, to deliver before the log's.
        var buffered: [HubEvent<Message>] = []
        /// Once `buffered` is delivered, the cursor may move to this position: the table held no
        /// more events of the topic up to it.
        var readThrough: EventID?
    }

    private enum Step {
        case deliver(HubDelivery<Message>)
        case readTable(from: EventID, horizon: EventID)
        case confirm(EventID)
        case wait
    }

    /// Events read from the table at once.
    static var batchSize: Int { 256 }

    private let backend: PostgresHubBackend<Topic, Message>
    private let topic: String
    private let log: PostgresTopicLog<Message>
    private let place: Mutex<Place>
    let start: EventID

    init(
        backend: PostgresHubBackend<Topic, Message>, topic: String,
        log: PostgresTopicLog<Message>, place: Place
    ) {
        self.backend = backend
        self.topic = topic
        self.log = log
        self.place = Mutex(place)
        start = place.pendingReset?.resumeID ?? place.position
    }

    deinit {
        backend.release(log, of: topic)
    }

    func next() async -> HubDelivery<Message>? {
        while !Task.isCancelled {
            switch step() {
            case .deliver(let delivery):
                return delivery
            case .confirm(let position):
                guard await confirm(position) else { return nil }
            case .readTable(let position, let horizon):
                guard await readTable(after: position, horizon: horizon) else { return nil }
            case .wait:
                await waitForAppend()
            }
        }
        return nil
    }

    /// What to do next, moving the cursor past what it delivers.
    private func step() -> Step {
        place.withLock { place in
            if let reset = place.pendingReset {
                place.pendingReset = nil
                place.position = reset.resumeID
                return .deliver(.reset(reset))
            }
            if place.mustConfirm { return .confirm(place.position) }
            if !place.buffered.isEmpty {
                let event = place.buffered.removeFirst()
                place.position = event.id
                return .deliver(.event(event))
            }
            if let through = place.readThrough {
                place.position = max(place.position, through)
                place.readThrough = nil
            }
            let position = place.position
            let found = log.state.withLock { log -> Step in
                if position < log.horizon { return .readTable(from: position, horizon: log.horizon) }
                return log.first(after: position).map { .deliver(.event($0)) } ?? .wait
            }
            if case .deliver(.event(let event)) = found { place.position = event.id }
            return found
        }
    }

    /// Checks that a position ahead of this process is not ahead of the table (the client saw it
    /// on another instance); else the cursor resets as `unknownID`. False once cancelled.
    private func confirm(_ position: EventID) async -> Bool {
        guard let horizon = await retrying({ try await self.backend.store.log.horizon() }) else { return false }
        place.withLock { place in
            place.mustConfirm = false
            if position.rawValue > horizon.latest {
                let now = backend.now
                place.pendingReset = HubReset(reason: .unknownID(position), resumeID: now)
            }
        }
        return true
    }

    /// Reads the topic's events after `position` from the table. `horizon` is the log's: every
    /// event up to it was committed before the read. False once cancelled.
    private func readTable(after position: EventID, horizon: EventID) async -> Bool {
        let storedTopic = backend.storedTopic(topic)
        let store = backend.store
        let batch = Self.batchSize
        guard
            let (stored, bounds) = await retrying({
                let stored = try await store.log.events(in: storedTopic, after: position.rawValue, limit: batch)
                return (stored, try await store.log.horizon())
            })
        else { return false }
        let events = backend.decode(stored)
        place.withLock { place in
            if position.rawValue < bounds.prunedThrough {
                // Retention deleted events the cursor had not read.
                let now = backend.now
                place.pendingReset = HubReset(reason: .fellBehind(position), resumeID: now)
                return
            }
            place.buffered = events
            // Past the last row read (even one whose payload did not decode), and when the table
            // had no more, past the log's horizon too.
            let lastRead = stored.last.flatMap { EventID(rawValue: $0.id) } ?? position
            place.readThrough = stored.count < batch ? max(horizon, lastRead) : lastRead
        }
        return true
    }

    /// Waits until the topic's log gets an event or the task is cancelled.
    private func waitForAppend() async {
        let key = ObjectIdentifier(self)
        let position = place.withLock { $0.position }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: PostgresTopicLog<Message>.Waiter) in
                let mustWait = log.state.withLock { log in
                    guard !Task.isCancelled, position >= log.horizon, log.first(after: position) == nil else {
                        return false
                    }
                    log.waiters[key] = waiter
                    return true
                }
                if !mustWait { waiter.resume() }
            }
        } onCancel: {
            log.state.withLock { $0.waiters.removeValue(forKey: key) }?.resume()
        }
    }

    /// Runs `read` until it succeeds, every half second while the database is unreachable; nil
    /// once the task is cancelled.
    private func retrying<Value: Sendable>(_ read: @escaping @Sendable () async throws -> Value) async -> Value? {
        while !Task.isCancelled {
            do {
                return try await read()
            } catch {
                do { try await Task.sleep(for: .milliseconds(500)) } catch { return nil }
            }
        }
        return nil
    }
}
