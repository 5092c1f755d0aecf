import Hyper
import Synchronization

/// The recent events of one topic that this process received from the listener while the topic
/// had subscribers here, and the cursors waiting for the next one. It is a cache of the table: a
/// cursor whose position is older than the log's horizon reads the table instead.
final class PostgresTopicLog<Message: Sendable>: Sendable {
    typealias Waiter = CheckedContinuation<Void, Never>

    struct State: ~Copyable {
        /// Held events, oldest first, from `events[start]`.
        var events: [HubEvent<Message>] = []
        var start = 0
        /// Every event of the topic with a greater id is held (or still to come).
        var horizon: EventID
        /// Cursors waiting for the next event, by identity.
        var waiters: [ObjectIdentifier: Waiter] = [:]
        /// Cursors over this log; the backend drops the log when none is left.
        var cursors = 0

        /// The first held event with an id greater than `position`.
        func first(after position: EventID) -> HubEvent<Message>? {
            var low = start
            var high = events.count
            while low < high {
                let middle = (low + high) / 2
                if events[middle].id <= position { low = middle + 1 } else { high = middle }
            }
            return low < events.count ? events[low] : nil
        }
    }

    /// Events held at most; older ones leave, and cursors that still need them read the table.
    let capacity: Int
    let state: Mutex<State>

    init(horizon: EventID, capacity: Int) {
        self.capacity = max(1, capacity)
        state = Mutex(State(horizon: horizon))
    }

    /// Appends `events` (newer than any held) and takes the waiting cursors, for the caller to
    /// resume once it holds no lock.
    func append(_ events: [HubEvent<Message>]) -> [Waiter] {
        state.withLock { state in
            state.events.append(contentsOf: events)
            let excess = state.events.count - state.start - capacity
            if excess > 0 {
                state.start += excess
                state.horizon = state.events[state.start - 1].id
                if state.start * 2 > state.events.count {
                    state.events.removeFirst(state.start)
                    state.start = 0
                }
            }
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll(keepingCapacity: true)
            return waiters
        }
    }
}
