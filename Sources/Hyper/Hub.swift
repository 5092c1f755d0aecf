import Synchronization

/// In-process publish/subscribe by topic: the seed's `subscribe_to_room(room_id)`.
///
/// Each subscription is an async sequence of the messages published to its topic after it was
/// made, with a buffer of `bufferSize` messages. **A subscriber that falls behind loses the
/// oldest messages:** when its buffer is full, a new message pushes out the oldest one, which is
/// counted in the subscription's `droppedMessages` and the hub's `droppedMessages`. Publishing
/// never waits for a slow subscriber, so one stalled client cannot hold up a room.
///
/// A subscription ends, and leaves the hub, when the task iterating it is cancelled (the client
/// went away), or when the subscription and its iterators are released (the route returned,
/// whether it iterated the subscription or not).
///
/// ```swift
/// let rooms = Hub<String, ChatMessage>()
///
/// // In a stream route:
/// for await message in rooms.subscribe(to: roomID) {
///     try await events.send("message", message.html)
/// }
///
/// // In a form action:
/// rooms.publish(message, to: roomID)
/// ```
///
/// The hub lives in one process; to reach clients of several processes or machines, publish
/// through a broker (such as PostgreSQL `LISTEN/NOTIFY`) and feed each process's hub from it.
public final class Hub<Topic: Hashable & Sendable, Message: Sendable>: Sendable {
    /// Messages a subscription holds for a subscriber that has not taken them yet.
    public let bufferSize: Int

    private struct State {
        var nextID = 0
        var subscribers: [Topic: [Int: Subscriber]] = [:]
        var count = 0
    }

    private struct Subscriber: Sendable {
        let continuation: AsyncStream<Message>.Continuation
        let drops: DropCounter
    }

    private let state = Mutex(State())
    private let dropped = Atomic<Int>(0)

    /// Creates a hub whose subscriptions buffer up to `bufferSize` messages (at least 1).
    public init(bufferSize: Int = 64) {
        self.bufferSize = max(1, bufferSize)
    }

    /// Subscribes to `topic`: the sequence yields every message published to it from now on.
    public func subscribe(to topic: Topic) -> Subscription {
        let (stream, continuation) = AsyncStream.makeStream(
            of: Message.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let drops = DropCounter()
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.subscribers[topic, default: [:]][state.nextID] = Subscriber(continuation: continuation, drops: drops)
            state.count += 1
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in self?.remove(id, from: topic) }
        return Subscription(stream: stream, registration: Registration(continuation: continuation), drops: drops)
    }

    /// Sends `message` to every current subscriber of `topic`; returns how many there were.
    @discardableResult
    public func publish(_ message: Message, to topic: Topic) -> Int {
        let subscribers = state.withLock { state in state.subscribers[topic].map { Array($0.values) } ?? [] }
        for subscriber in subscribers {
            if case .dropped = subscriber.continuation.yield(message) {
                subscriber.drops.count.add(1, ordering: .relaxed)
                dropped.add(1, ordering: .relaxed)
            }
        }
        return subscribers.count
    }

    /// Subscriptions alive, over all topics.
    public var subscriptionCount: Int {
        state.withLock { $0.count }
    }

    /// Messages pushed out of a full subscription buffer since the hub was made.
    public var droppedMessages: Int {
        dropped.load(ordering: .relaxed)
    }

    private func remove(_ id: Int, from topic: Topic) {
        state.withLock { state in
            guard state.subscribers[topic]?.removeValue(forKey: id) != nil else { return }
            state.count -= 1
            if state.subscribers[topic]?.isEmpty == true { state.subscribers[topic] = nil }
        }
    }
}

extension Hub {
    /// The messages of one topic, as one subscriber receives them.
    public struct Subscription: AsyncSequence, Sendable {
        public typealias Element = Message
        public typealias Failure = Never

        fileprivate let stream: AsyncStream<Message>
        fileprivate let registration: Registration
        fileprivate let drops: DropCounter

        /// Messages this subscriber lost because its buffer was full.
        public var droppedMessages: Int {
            drops.count.load(ordering: .relaxed)
        }

        public func makeAsyncIterator() -> Iterator {
            Iterator(base: stream.makeAsyncIterator(), registration: registration)
        }

        /// Takes the subscription's messages in order.
        public struct Iterator: AsyncIteratorProtocol {
            fileprivate var base: AsyncStream<Message>.Iterator
            fileprivate let registration: Registration

            public mutating func next() async -> Message? {
                await base.next()
            }
        }
    }

    /// Ends the subscription when the last copy of it, or of its iterator, is released.
    fileprivate final class Registration: Sendable {
        let continuation: AsyncStream<Message>.Continuation

        init(continuation: AsyncStream<Message>.Continuation) {
            self.continuation = continuation
        }

        deinit {
            continuation.finish()
        }
    }
}

/// Counts the messages one subscription lost.
private final class DropCounter: Sendable {
    let count = Atomic<Int>(0)
}
