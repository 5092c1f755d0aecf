import Glibc
import Synchronization

/// The bounded buffer between a route's task, which produces the response bytes, and whoever
/// writes them to the web server.
///
/// The producer side is async: `send` suspends while more than `capacity` bytes wait (the client
/// is slow: backpressure) and throws `ClientDisconnectedError` once the client is gone.
///
/// The consumer is first the request thread, which blocks in `poll(2)` on a wake-up descriptor
/// and on the connection (`next(watching:)`) and writes through its exchange: that is all an
/// ordinary response needs. A stream's request thread writes the header block, then hands the
/// connection over (`handOff(_:whenDone:)`) and goes back to serving requests: from then on
/// `send` writes itself without blocking (`StreamConnection`, in the wire protocol's framing),
/// and the `StreamPump` finishes writes that found the socket full, sends heartbeats and notices
/// the client leaving. `whenDone` then reports how the response ended.
public final class ResponseChannel: Sendable {
    /// How long a stream may stay silent before `bytes` (an SSE heartbeat comment) is sent.
    public struct Heartbeat: Sendable {
        public var interval: Duration
        public var bytes: [UInt8]

        public init(interval: Duration, bytes: [UInt8]) {
            self.interval = interval
            self.bytes = bytes
        }
    }

    /// A stream's connection after its hand-off, and what the pump needs to know about it.
    private struct HandedOff {
        var connection: StreamConnection
        let token: UInt64
        let whenDone: @Sendable (ResponseOutcome) -> Void
        let headBytes: Int
        var isWatchingWritable = false
        var lastOutput = ContinuousClock.now
    }

    private struct State {
        var chunks: [[UInt8]] = []
        var bufferedBytes = 0
        var isFinished = false
        var isEndedFromOutside = false
        var isClientGone = false
        var isConsumerSleeping = false
        var isStreaming = false
        var heartbeat: Heartbeat?
        var waitingProducer: CheckedContinuation<Void, any Error>?
        var handedOff: HandedOff?
        var isClosed = false
    }

    /// What is left to do once the lock is released: resume the producer, report the end.
    private struct Aftermath {
        var producer: CheckedContinuation<Void, any Error>?
        var producerResult: Result<Void, any Error> = .success(())
        var done: (report: @Sendable (ResponseOutcome) -> Void, outcome: ResponseOutcome)?

        func run() {
            producer?.resume(with: producerResult)
            if let done { done.report(done.outcome) }
        }
    }

    /// Bytes that may wait in the buffer before `send` suspends.
    public let capacity: Int
    /// Runs the producing task's jobs on the request thread while it waits.
    public let executor: RequestExecutor
    private let state = Mutex(State())
    private let wakeUp: WakeUpSignal
    private let pump: StreamPump

    init(capacity: Int, wakeUp: WakeUpSignal, pump: StreamPump = .shared) {
        self.capacity = capacity
        self.wakeUp = wakeUp
        self.pump = pump
        executor = RequestExecutor(wakeUp: wakeUp)
    }

    // MARK: Producer (the route's task)

    /// Marks the response as a stream: the request thread hands its connection over once the
    /// first bytes are written, and every chunk reaches the web server at once. `heartbeat` is
    /// sent while the route is silent. Ordinary responses leave this off.
    public func startStreaming(heartbeat: Heartbeat?) {
        state.withLock {
            $0.isStreaming = true
            $0.heartbeat = heartbeat
        }
    }

    /// Queues bytes for the client. Suspends while the buffer is full; throws
    /// `ClientDisconnectedError` once the client has gone, `ResponseEndedError` once the response
    /// was ended with `end(appending:)`, and `CancellationError` if the task is cancelled while
    /// waiting.
    public func send(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let (mustWait, aftermath): (Bool, Aftermath) = try state.withLock { state throws(any Error) in
            guard !state.isClientGone else { throw ClientDisconnectedError() }
            guard !state.isEndedFromOutside, !state.isClosed else { throw ResponseEndedError() }
            guard state.handedOff != nil else {
                state.chunks.append(bytes)
                state.bufferedBytes += bytes.count
                return (state.bufferedBytes > capacity, Aftermath())
            }
            state.handedOff!.connection.append(bytes)
            let aftermath = writeHandedOff(&state)
            return ((state.handedOff?.connection.pendingBytes ?? 0) > capacity, aftermath)
        }
        aftermath.run()
        wakeConsumer()
        if mustWait { try await waitForRoom() }
    }

    /// Marks the response complete. Later `send` calls are a programming error and are ignored.
    public func finish() {
        let aftermath = state.withLock { state in
            state.isFinished = true
            return endHandedOff(&state)
        }
        aftermath.run()
        wakeConsumer()
    }

    /// Ends the response from outside the route, as a server shutting down does with open
    /// streams: queues `finalBytes` after what the route has sent so far and marks the response
    /// complete, so that it is written and the request ended. The route's pending and later
    /// `send`s throw `ResponseEndedError`. Returns false, doing nothing, if the response had
    /// already finished or its client was gone.
    @discardableResult
    public func end(appending finalBytes: [UInt8]) -> Bool {
        let (ended, aftermath) = state.withLock { state -> (Bool, Aftermath) in
            guard !state.isFinished, !state.isClientGone else { return (false, Aftermath()) }
            if state.handedOff != nil {
                if !finalBytes.isEmpty { state.handedOff!.connection.append(finalBytes) }
            } else if !finalBytes.isEmpty {
                state.chunks.append(finalBytes)
                state.bufferedBytes += finalBytes.count
            }
            state.isFinished = true
            state.isEndedFromOutside = true
            let waiting = state.waitingProducer.take()  // ended: it throws, whatever room there is now
            var aftermath = endHandedOff(&state)
            if let waiting {
                aftermath.producer = waiting
                aftermath.producerResult = .failure(ResponseEndedError())
            }
            return (true, aftermath)
        }
        aftermath.run()
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
                    let waiting = state.handedOff?.connection.pendingBytes ?? state.bufferedBytes
                    if waiting <= capacity { return .success(()) }
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

    // MARK: Consumer: the request thread

    /// What the request thread does next.
    enum Next {
        /// Write these chunks; if `isStream`, flush them and hand the connection off.
        case write([[UInt8]], isStream: Bool)
        /// Write these chunks, then the response is complete.
        case finish([[UInt8]])
        /// The client hung up.
        case clientGone
    }

    /// Blocks the request thread until there is something to write, the response ends, or the
    /// client hangs up on `connection`.
    func next(watching connection: Int32) -> Next {
        while true {
            executor.runPendingJobs()
            let taken = state.withLock { state -> (chunks: [[UInt8]], finished: Bool, isStream: Bool)? in
                if state.chunks.isEmpty && !state.isFinished {
                    state.isConsumerSleeping = true
                    return nil
                }
                let chunks = state.chunks
                state.chunks.removeAll(keepingCapacity: true)
                state.bufferedBytes = 0
                return (chunks, state.isFinished, state.isStreaming)
            }
            if let taken {
                resumeWaitingProducer()
                return taken.finished ? .finish(taken.chunks) : .write(taken.chunks, isStream: taken.isStream)
            }
            guard executor.prepareToSleep() else {
                state.withLock { $0.isConsumerSleeping = false }
                continue
            }
            let outcome = wakeUp.wait(watching: connection)
            executor.wokeUp()
            if outcome == .hungUp {
                markClientGone()
                return .clientGone
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

    // MARK: Consumer: the handed-off connection

    /// Takes over `connection`, whose header block (`headBytes` bytes) the request thread has
    /// written, and registers it with the pump; `whenDone` is called once, when the response
    /// has ended or the client has gone. Returns false, taking nothing over, if the connection
    /// could not be made non-blocking or the pump refused it (the caller then ends the response
    /// itself).
    func handOff(
        _ connection: StreamConnection, headBytes: Int, whenDone: @escaping @Sendable (ResponseOutcome) -> Void
    )
        -> Bool
    {
        guard connection.isNonBlocking, let token = pump.add(self, descriptor: connection.descriptor) else {
            return false
        }
        let aftermath = state.withLock { state in
            state.handedOff = HandedOff(connection: connection, token: token, whenDone: whenDone, headBytes: headBytes)
            for chunk in state.chunks { state.handedOff!.connection.append(chunk) }
            state.chunks.removeAll()
            state.bufferedBytes = 0
            return state.isFinished ? endHandedOff(&state) : writeHandedOff(&state)
        }
        aftermath.run()
        return true
    }

    /// The pump saw the connection writable again.
    func connectionWritable() {
        state.withLock { writeHandedOff(&$0) }.run()
    }

    /// The pump saw the web server close the connection: the client has gone.
    func connectionHungUp() {
        state.withLock { close(&$0, clientGone: true) }.run()
    }

    /// Sends the heartbeat if the stream has been silent for its interval.
    func sendHeartbeatIfDue(at now: ContinuousClock.Instant) {
        state.withLock { state -> Aftermath in
            guard let heartbeat = state.heartbeat, let handedOff = state.handedOff, !state.isFinished,
                handedOff.connection.pendingBytes == 0, now - handedOff.lastOutput >= heartbeat.interval
            else { return Aftermath() }
            state.handedOff!.connection.append(heartbeat.bytes)
            return writeHandedOff(&state)
        }.run()
    }

    /// Frames the end of the request once the response is finished, and writes it.
    private func endHandedOff(_ state: inout State) -> Aftermath {
        guard state.handedOff != nil else { return Aftermath() }
        state.handedOff!.connection.appendEnd()
        return writeHandedOff(&state)
    }

    /// Writes what is pending on the handed-off connection without blocking: wakes the producer
    /// when the backlog fits the capacity again, asks the pump to watch for room when the socket
    /// is full, and closes the connection once the end of the request is written or a write fails.
    private func writeHandedOff(_ state: inout State) -> Aftermath {
        guard var handedOff = state.handedOff else { return Aftermath() }
        let outcome = handedOff.connection.writePending()
        handedOff.lastOutput = .now
        let watch = outcome == .blocked
        if watch != handedOff.isWatchingWritable {
            handedOff.isWatchingWritable = watch
            // Unwatched, a blocked stream would wait until its client leaves: end it instead.
            guard pump.watchWritable(watch, descriptor: handedOff.connection.descriptor, token: handedOff.token) else {
                state.handedOff = handedOff
                return close(&state, clientGone: true)
            }
        }
        state.handedOff = handedOff
        switch outcome {
        case .failed:
            return close(&state, clientGone: true)
        case .drained where handedOff.connection.isEnded:
            return close(&state, clientGone: false)
        case .drained, .blocked:
            var aftermath = Aftermath()
            if handedOff.connection.pendingBytes <= capacity { aftermath.producer = state.waitingProducer.take() }
            return aftermath
        }
    }

    /// Stops watching and closes the handed-off connection, and reports the end. Once closed,
    /// `handedOff` is nil: its `whenDone` may hold this channel, and no cycle outlives the stream.
    private func close(_ state: inout State, clientGone: Bool) -> Aftermath {
        guard let handedOff = state.handedOff else { return Aftermath() }
        state.handedOff = nil
        state.isClosed = true
        if clientGone { state.isClientGone = true }
        pump.remove(descriptor: handedOff.connection.descriptor, token: handedOff.token)
        Glibc.close(handedOff.connection.descriptor)
        var aftermath = Aftermath()
        if let waiting = state.waitingProducer.take() {
            aftermath.producer = waiting
            aftermath.producerResult = .failure(clientGone ? ClientDisconnectedError() : ResponseEndedError())
        }
        let outcome = ResponseOutcome(
            bytesWritten: handedOff.headBytes + handedOff.connection.bodyBytes, clientDisconnected: clientGone)
        aftermath.done = (handedOff.whenDone, outcome)
        return aftermath
    }
}

/// Thrown by `ResponseChannel.send` once the response was ended from outside the route
/// (`ResponseChannel.end(appending:)`), for instance because the server is shutting down.
public struct ResponseEndedError: Error, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "HyperTransport: the response was ended by the server" }
}

/// Thrown by `ResponseChannel.send` once the client has gone away.
public struct ClientDisconnectedError: Error, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "HyperTransport: the client disconnected" }
}
