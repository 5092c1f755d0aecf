import Synchronization

/// One topic of an `InMemoryHubBackend`: its history, its horizon, and the subscribers waiting
/// for its next message. Its messages' bytes count in its history's `HistoryBudget`.
final class TopicLog<Message: Sendable>: BudgetedTopic {
    typealias Waiter = CheckedContinuation<HubDelivery<Message>?, Never>

    struct Entry: Sendable {
        let event: HubEvent<Message>
        let published: ContinuousClock.Instant
        /// The message's bytes (`HubMessageSize`).
        let size: Int
        let idempotencyKey: IdempotencyKey?
    }

    struct State: ~Copyable {
        /// History, oldest first, from `entries[start]`.
        var entries: [Entry] = []
        var start = 0
        /// The id of the newest message that left history, or where history began.
        var horizon: EventID
        /// Cursors waiting for the next message, by identity.
        var waiters: [ObjectIdentifier: Waiter] = [:]
        /// The bytes of the messages in history, counted in `budget`.
        var bytes = 0
        /// The bytes of the messages before `start`, out of history but not yet released.
        var droppedBytes = 0
        let budget: HistoryBudget
        /// The ids of the messages in history published with an idempotency key, by key.
        var idempotencyKeys: [IdempotencyKey: EventID] = [:]

        var count: Int { entries.count - start }

        /// Drops messages beyond `history`'s count and age, moving the horizon past them; returns
        /// the bytes freed.
        @discardableResult
        mutating func trim(_ history: HubHistory, now: ContinuousClock.Instant) -> Int {
            let oldest = now - history.maximumAge
            var first = start
            while first < entries.count
                && (entries.count - first > history.maximumCount
                    || entries[first].published < oldest)
            {
                first += 1
            }
            return drop(upTo: first)
        }

        /// Drops the oldest message; false if there is none.
        mutating func dropOldest() -> Bool {
            guard start < entries.count else { return false }
            drop(upTo: start + 1)
            return true
        }

        /// Drops the messages before `entries[first]`, moving the horizon past them; returns the
        /// bytes freed. Dropped messages are released at once when they are large, so that the
        /// budget counts what is held.
        @discardableResult
        private mutating func drop(upTo first: Int) -> Int {
            guard first != start else { return 0 }
            horizon = entries[first - 1].event.id
            var freed = 0
            for entry in entries[start..<first] {
                freed += entry.size
                if let key = entry.idempotencyKey { idempotencyKeys[key] = nil }
            }
            bytes -= freed
            droppedBytes += freed
            budget.release(freed)
            start = first
            if start == entries.count {
                entries.removeAll(keepingCapacity: true)
                start = 0
                droppedBytes = 0
            } else if (start > 64 && start * 2 > entries.count) || droppedBytes > 64 * 1024 {
                entries.removeFirst(start)
                start = 0
                droppedBytes = 0
            }
            return freed
        }

        /// The first held message with an id greater than `position`.
        func first(after position: EventID) -> Entry? {
            var low = start
            var high = entries.count
            while low < high {
                let middle = (low + high) / 2
                if entries[middle].event.id <= position { low = middle + 1 } else { high = middle }
            }
            return low < entries.count ? entries[low] : nil
        }
    }

    let state: Mutex<State>
    private let history: HubHistory

    /// A topic whose history began at `horizon`, kept as `history` says.
    init(horizon: EventID, history: HubHistory) {
        self.history = history
        state = Mutex(State(horizon: horizon, budget: history.budget))
        history.budget.register(self)
    }

    deinit {
        history.budget.release(state.withLock { $0.bytes })
    }

    /// Appends `message`, of `size` bytes, with the next id and hands it to every waiting cursor,
    /// then, if the budget is exceeded, the oldest messages of the largest topics leave history;
    /// returns the id of the message in history published with `idempotencyKey` instead, if there
    /// is one.
    func append(_ message: Message, size: Int, idempotencyKey: IdempotencyKey?, counter: IDCounter) -> EventID {
        let now = ContinuousClock.now
        let (event, waiters) = state.withLock { state -> (HubEvent<Message>, [ObjectIdentifier: Waiter]) in
            state.trim(history, now: now)
            if let idempotencyKey, let id = state.idempotencyKeys[idempotencyKey] {
                return (HubEvent(id: id, message: message), [:])
            }
            let event = HubEvent(id: counter.next(), message: message)
            state.entries.append(Entry(event: event, published: now, size: size, idempotencyKey: idempotencyKey))
            if let idempotencyKey { state.idempotencyKeys[idempotencyKey] = event.id }
            state.bytes += size
            history.budget.charge(size)
            state.trim(history, now: now)
            let waiters = state.waiters
            state.waiters.removeAll(keepingCapacity: true)
            return (event, waiters)
        }
        for waiter in waiters.values {
            waiter.resume(returning: .event(event))
        }
        history.budget.enforce()
        return event.id
    }

    var usage: (bytes: Int, oldest: Int64) {
        state.withLock { state in
            (state.bytes, state.start < state.entries.count ? state.entries[state.start].event.id.rawValue : .max)
        }
    }

    func dropOldest() -> Bool {
        state.withLock { $0.dropOldest() }
    }

    func dropExpired() -> Int {
        state.withLock { $0.trim(history, now: .now) }
    }

    /// The newest `limit` messages and the position now.
    func recent(_ limit: Int, counter: IDCounter) -> HubSnapshot<Message> {
        state.withLock { state in
            state.trim(history, now: .now)
            let from = max(state.start, state.entries.count - max(0, limit))
            return HubSnapshot(
                events: state.entries[from...].map(\.event), position: EventID(rawValue: counter.last)!)
        }
    }

    /// Messages held now.
    func count() -> Int {
        state.withLock { state in
            state.trim(history, now: .now)
            return state.count
        }
    }
}
