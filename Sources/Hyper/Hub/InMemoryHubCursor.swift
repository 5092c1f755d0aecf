import Synchronization

/// A subscriber's place in one topic of an `InMemoryHubBackend`.
final class InMemoryHubCursor<Message: Sendable>: HubCursor {
    private struct Place {
        /// The id of the last message delivered, or the position the cursor started from.
        var position: EventID
        /// A reset to deliver before anything else.
        var pendingReset: HubReset?
    }

    private enum Step {
        case deliver(HubDelivery<Message>)
        case wait
        case cancelled
    }

    private let log: TopicLog<Message>
    private let history: HubHistory
    private let counter: IDCounter
    private let count: SubscriptionCount
    private let place: Mutex<Place>
    let start: EventID

    init(log: TopicLog<Message>, start: ResumePoint, history: HubHistory, counter: IDCounter, count: SubscriptionCount)
    {
        self.log = log
        self.history = history
        self.counter = counter
        self.count = count
        let place =
            log.state.withLock { state in
                state.trim(history, now: .now)
                let now = EventID(rawValue: counter.last)!
                switch start {
                case .live:
                    return Place(position: now)
                case .invalid(let value):
                    return Place(position: now, pendingReset: HubReset(reason: .invalidID(value), resumeID: now))
                case .after(let id) where id > now:
                    return Place(position: now, pendingReset: HubReset(reason: .unknownID(id), resumeID: now))
                case .after(let id) where id < state.horizon:
                    return Place(position: now, pendingReset: HubReset(reason: .expired(id), resumeID: now))
                case .after(let id):
                    return Place(position: id)
                }
            }
        self.place = Mutex(place)
        self.start = place.position
        count.value.add(1, ordering: .relaxed)
    }

    deinit {
        count.value.subtract(1, ordering: .relaxed)
    }

    func next() async -> HubDelivery<Message>? {
        if Task.isCancelled { return nil }
        let (position, reset) = place.withLock { place in
            defer { place.pendingReset = nil }
            return (place.position, place.pendingReset)
        }
        if let reset { return .reset(reset) }
        if case .deliver(let delivery) = log.state.withLock({ step(from: position, in: &$0) }) {
            return advanced(by: delivery)
        }
        let delivery = await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: TopicLog<Message>.Waiter) in
                let next = log.state.withLock { state -> Step in
                    let found = step(from: position, in: &state)
                    guard case .wait = found else { return found }
                    if Task.isCancelled { return .cancelled }
                    state.waiters[ObjectIdentifier(self)] = waiter
                    return .wait
                }
                switch next {
                case .deliver(let delivery): waiter.resume(returning: delivery)
                case .cancelled: waiter.resume(returning: nil)
                case .wait: break
                }
            }
        } onCancel: {
            log.state.withLock { $0.waiters.removeValue(forKey: ObjectIdentifier(self)) }?.resume(returning: nil)
        }
        return delivery.map(advanced(by:))
    }

    /// What the cursor at `position` delivers next, under the topic's lock.
    private func step(from position: EventID, in state: inout TopicLog<Message>.State) -> Step {
        state.trim(history, now: .now)
        if position < state.horizon {
            let now = EventID(rawValue: counter.last)!
            return .deliver(.reset(HubReset(reason: .fellBehind(position), resumeID: now)))
        }
        if let entry = state.first(after: position) { return .deliver(.event(entry.event)) }
        return .wait
    }

    /// Moves the cursor past `delivery` and returns it.
    private func advanced(by delivery: HubDelivery<Message>) -> HubDelivery<Message> {
        place.withLock { place in
            switch delivery {
            case .event(let event): place.position = event.id
            case .reset(let reset): place.position = reset.resumeID
            }
        }
        return delivery
    }
}

/// Subscriptions alive in one backend.
final class SubscriptionCount: Sendable {
    let value = Atomic<Int>(0)
}
