import Glibc
import Synchronization

/// The bounded buffer between a route's task, which produces the response bytes, and the request
/// thread, which writes them to the web server.
///
/// The producer side is async: `send` suspends while more than `capacity` bytes wait (the client
/// is slow: backpressure) and throws `ClientDisconnectedError` once the client is gone. The
/// consumer side is the request thread, which blocks in `poll(2)` on a wake-up descriptor and on
/// the connection, so it notices a hang-up even while the route produces nothing.
public final class ResponseChannel: Sendable {
    /// How long a stream may stay silent before `idleBytes` (an SSE heartbeat comment) is sent.
    public struct Heartbeat: Sendable {
        public var interval: Duration
        public var bytes: [UInt8]

        public init(interval: Duration, bytes: [UInt8]) {
            self.interval = interval
            self.bytes = bytes
        }
    }

    private struct State {
        var chunks: [[UInt8]] = []
        var bufferedBytes = 0
        var isFinished = false
        var isEndedFromOutside = false
        var isClientGone = false
        var isConsumerSleeping = false
        var flushesEachChunk = false
        var heartbeat: Heartbeat?
        var waitingProducer: CheckedContinuation<Void, any Error>?
    }

    /// Bytes that may wait in the buffer before `send` suspends.
    public let capacity: Int
    /// Runs the producing task's jobs on the request thread while it waits.
    public let executor: RequestExecutor
    private let state = Mutex(State())
    private let wakeUp: WakeUpSignal

    init(capacity: Int, wakeUp: WakeUpSignal) {
        self.capacity = capacity
        self.wakeUp = wakeUp
        executor = RequestExecutor(wakeUp: wakeUp)
    }

    // MARK: Producer (the route's task)

    /// Makes every chunk reach the web server as soon as the request thread takes it (streams),
    /// and sends `heartbeat` while the route is silent. Ordinary responses leave this off.
    public func startStreaming(heartbeat: Heartbeat?) {
        state.withLock {
            $0.flushesEachChunk = true
            $0.heartbeat = heartbeat
        }
    }

    /// Queues bytes for the client. Suspends while the buffer is full; throws
    /// `ClientDisconnectedError` once the client has gone, `ResponseEndedError` once the response
    /// was ended with `end(appending:)`, and `CancellationError` if the task is cancelled while
    /// waiting.
    public func send(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let mustWait: Bool = try state.withLock { state throws(any Error) in
            guard !state.isClientGone else { throw ClientDisconnectedError() }
            guard !state.isEndedFromOutside else { throw ResponseEndedError() }
            state.chunks.append(bytes)
            state.bufferedBytes += bytes.count
            return state.bufferedBytes > capacity
        }
        wakeConsumer()
        if mustWait { try await waitForRoom() }
    }

    /// Marks the response complete. Later `send` calls are a programming error and are ignored.
    public func finish() {
        state.withLock { $0.isFinished = true }
        wakeConsumer()
    }

    /// Ends the response from outside the route, as a server shutting down does with open
    /// streams: queues `finalBytes` after what the route has sent so far and marks the response
    /// complete, so that the request thread writes them and ends the request. The route's
    /// pending and later `send`s throw `ResponseEndedError`. Returns false, doing nothing, if the
    /// response had already finished or its client was gone.
    @discardableResult
    public func end(appending finalBytes: [UInt8]) -> Bool {
        let (ended, waiting) = state.withLock { state -> (Bool, CheckedContinuation<Void, any Error>?) in
            guard !state.isFinished, !state.isClientGone else { return (false, nil) }
            if !finalBytes.isEmpty {
                state.chunks.append(finalBytes)
                state.bufferedBytes += finalBytes.count
            }
            state.isFinished = true
            state.isEndedFromOutside = true
            return (true, state.waitingProducer.take())
        }
        waiting?.resume(throwing: ResponseEndedError())
        if ended { wakeConsumer() }
        return ended
    }

    /// Whether `end(appending:)` ended the response.
    public var wasEndedFromOutside: Bool {
        state.withLock { $0.isEndedFromOutside }
    }

    /// Whether the client has gone away.
    public var isClientGone: Bool {
        state.withLock { $0.isClientGone }
    }

    private func waitForRoom() async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: Result<Void, any Error>? = state.withLock { state in
                    if state.isClientGone { return .failure(ClientDisconnectedError()) }
                    if state.isEndedFromOutside { return .failure(ResponseEndedError()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.bufferedBytes <= capacity { return .success(()) }
                    state.waitingProducer = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            state.withLock { $0.waitingProducer.take() }?.resume(throwing: CancellationError())
        }
    }

    private func wakeConsumer() {
        let sleeping = state.withLock { state in
            defer { state.isConsumerSleeping = false }
            return state.isConsumerSleeping
        }
        if sleeping { wakeUp.signal() }
    }

    // MARK: Consumer (the request thread)

    /// What the request thread does next.
    enum Next {
        /// Write these chunks; flush afterwards if `flush` is set.
        case write([[UInt8]], flush: Bool)
        /// Write these chunks, then the response is complete.
        case finish([[UInt8]])
        /// The stream was idle for its heartbeat interval: write these bytes and flush.
        case heartbeat([UInt8])
        /// The client hung up.
        case clientGone
    }

    /// Blocks the request thread until there is something to write, the response ends, a
    /// heartbeat is due, or the client hangs up on `connection`.
    func next(watching connection: Int32) -> Next {
        while true {
            executor.runPendingJobs()
            let taken = state.withLock {
                state -> (chunks: [[UInt8]], finished: Bool, flush: Bool, heartbeat: Heartbeat?) in
                if state.chunks.isEmpty && !state.isFinished {
                    state.isConsumerSleeping = true
                    return (chunks: [], finished: false, flush: false, heartbeat: state.heartbeat)
                }
                let chunks = state.chunks
                state.chunks.removeAll(keepingCapacity: true)
                state.bufferedBytes = 0
                return (chunks, state.isFinished, state.flushesEachChunk, nil)
            }
            if !taken.chunks.isEmpty || taken.finished {
                resumeWaitingProducer()
                return taken.finished ? .finish(taken.chunks) : .write(taken.chunks, flush: taken.flush)
            }
            guard executor.prepareToSleep() else {
                state.withLock { $0.isConsumerSleeping = false }
                continue
            }
            let outcome = wakeUp.wait(watching: connection, timeout: taken.heartbeat?.interval)
            executor.wokeUp()
            switch outcome {
            case .signalled:
                continue
            case .hungUp:
                markClientGone()
                return .clientGone
            case .timedOut:
                let due = state.withLock { state -> Bool in
                    defer { state.isConsumerSleeping = false }
                    return state.chunks.isEmpty && !state.isFinished
                }
                if due, let heartbeat = taken.heartbeat { return .heartbeat(heartbeat.bytes) }
            }
        }
    }

    /// Records that the client is gone: the producer's pending and future `send`s throw.
    func markClientGone() {
        let waiting = state.withLock { state in
            state.isClientGone = true
            state.chunks.removeAll()
            state.bufferedBytes = 0
            return state.waitingProducer.take()
        }
        waiting?.resume(throwing: ClientDisconnectedError())
    }

    private func resumeWaitingProducer() {
        state.withLock { $0.waitingProducer.take() }?.resume()
    }
}

/// Thrown by `ResponseChannel.send` once the response was ended from outside the route
/// (`ResponseChannel.end(appending:)`), for instance because the server is shutting down.
public struct ResponseEndedError: Error, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "HyperFastCGI: the response was ended by the server" }
}

/// Thrown by `ResponseChannel.send` once the client has gone away.
public struct ClientDisconnectedError: Error, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "HyperFastCGI: the client disconnected" }
}
