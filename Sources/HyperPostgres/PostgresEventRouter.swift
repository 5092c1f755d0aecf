import Hyper
import Synchronization

/// Hands the events the listener reads to the hub backends of this process, each the events of
/// its own namespace (the part of the stored topic before the first `/`), and tells every backend
/// how far the log has been read.
final class PostgresEventRouter: Sendable {
    private struct State {
        var receivers: [String: any PostgresEventReceiver] = [:]
        /// Every event with an id up to this one has been handed out.
        var through: EventID
    }

    private let state: Mutex<State>

    init(startingAfter id: EventID) {
        state = Mutex(State(through: id))
    }

    /// Adds `receiver` for `namespace`; returns the position it starts from. Events after it
    /// reach the receiver, none before.
    func register(_ receiver: any PostgresEventReceiver, for namespace: String) -> EventID {
        state.withLock { state in
            precondition(state.receivers[namespace] == nil, "HyperPostgres: two hub backends named \(namespace)")
            state.receivers[namespace] = receiver
            return state.through
        }
    }

    /// Hands `events` (in id order, the next after the last delivery) to their receivers.
    func deliver(_ events: [StoredEvent]) {
        guard let last = events.last, let through = EventID(rawValue: last.id) else { return }
        var byNamespace: [Substring: [StoredEvent]] = [:]
        for event in events {
            let namespace = event.topic.prefix(while: { $0 != "/" })
            byNamespace[namespace, default: []].append(event)
        }
        // Under the lock, so a receiver registered meanwhile starts exactly after `through`.
        let wakeUps = state.withLock { state in
            state.through = through
            return state.receivers.map { namespace, receiver in
                receiver.receive(byNamespace[Substring(namespace)] ?? [], through: through)
            }
        }
        for wakeUp in wakeUps { wakeUp() }
    }
}

/// A hub backend fed by `PostgresEventRouter`.
protocol PostgresEventReceiver: Sendable {
    /// Takes `events` of the receiver's namespace (maybe none), after which every event up to
    /// `through` has been received; returns what wakes the subscribers that can now go on, which
    /// the router calls once it has let go of its lock.
    func receive(_ events: [StoredEvent], through: EventID) -> @Sendable () -> Void
}
