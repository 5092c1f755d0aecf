import Synchronization

/// One topic of an `InMemoryHubBackend`: its history, its horizon, and the subscribers waiting
/// for its next message.
final class TopicLog<Message: Sendable>: Sendable {
    typealias Waiter = CheckedContinuation<HubDelivery<Message>?, Never>

    struct Entry: Sendable {
        let event: HubEvent<Message>
        let published: ContinuousClock.Instant
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
        /// The ids of the messages in history published with an idempotency key, by key.
        var idempotencyKeys: [IdempotencyKey: EventID] = [:]

        var count: Int { entries.count - start }

        /// Drops messages beyond `history`'s bounds, moving the horizon past them.
        mutating func trim(_ history: HubHistory, now: ContinuousClock.Instant) {
            let oldest = now - history.maximumAge
            var first = start
            while first < entries.count
                && (entries.count - first > history.maximumCount
                    || entries[first].published < oldest)
            {
                horizon = entries[first].event.id
                if let key = entries[first].idempotencyKey { idempotencyKeys[key] = nil }
                first += 1
            }
            guard first != start else { return }
            start = first
            if start == entries.count {
                entries.removeAll(keepingCapacity: true)
                start = 0
            } else if start > 64 && start * 2 > entries.count {
                entries.removeFirst(start)
                start = 0
            }
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

    init(horizon: EventID) {
        state = Mutex(State(horizon: horizon))
    }

    /// Appends `message` with the next id and hands it to every waiting cursor; returns the id
    /// of the message in history published with `idempotencyKey` instead, if there is one.
    func append(
        _ message: Message, idempotencyKey: IdempotencyKey?, history: HubHistory, counter: IDCounter
    ) -> EventID {
        let now = ContinuousClock.now
        let (event, waiters) = state.withLock { state -> (HubEvent<Message>, [ObjectIdentifier: Waiter]) in
            state.trim(history, now: now)
            if let idempotencyKey, let id = state.idempotencyKeys[idempotencyKey] {
                return (HubEvent(id: id, message: message), [:])
            }
            let event = HubEvent(id: counter.next(), message: message)
            state.entries.append(Entry(event: event, published: now, idempotencyKey: idempotencyKey))
            if let idempotencyKey { state.idempotencyKeys[idempotencyKey] = event.id }
            state.trim(history, now: now)
            let waiters = state.waiters
            state.waiters.removeAll(keepingCapacity: true)
            return (event, waiters)
        }
        for waiter in waiters.values {
            waiter.resume(returning: .event(event))
        }
        return event.id
    }

    /// The newest `limit` messages and the position now.
    func recent(_ limit: Int, history: HubHistory, counter: IDCounter) -> HubSnapshot<Message> {
        state.withLock { state in
            state.trim(history, now: .now)
            let from = max(state.start, state.entries.count - max(0, limit))
            return HubSnapshot(
                events: state.entries[from...].map(\.event), position: EventID(rawValue: counter.last)!)
        }
    }

    /// Messages held now.
    func count(history: HubHistory) -> Int {
        state.withLock { state in
            state.trim(history, now: .now)
            return state.count
        }
    }
}
