/// The lifecycle of one `ResponseChannel`, as a value: its states, what each event does in each
/// of them, and what the channel must do afterwards. It does no I/O of its own: a handed-off
/// connection is written and watched through `io`, and what must happen once the channel's lock
/// is released (resuming the producer, closing the connection, reporting the end) comes back as
/// an `Aftermath`.
///
/// ```
/// buffering ──handOff──▶ handedOff ──its end written──▶ closed
///     │                      │
///     └──▶ clientGone ◀──────┘  (a hang-up or a failed write)
/// ```
///
/// Beside the state: whether the response is a stream (and its heartbeat), whether the producer
/// waits for room (the channel keeps its continuation), and whether the request thread sleeps.
struct ResponseChannelStateMachine {
    /// How a response was ended.
    enum End: Equatable {
        /// Its route finished it (`ResponseChannel.finish()`).
        case finished
        /// The server ended it (`ResponseChannel.end(appending:)`), as a shutdown does.
        case endedFromOutside
    }

    /// What the request thread has not written yet.
    struct Buffer {
        var chunks: [[UInt8]] = []
        var bytes = 0
        var end: End?
    }

    /// A stream's connection after its hand-off, and what closing it needs.
    struct HandedOff {
        var connection: StreamConnection
        /// Names the stream in the pump's calls.
        let token: UInt64
        /// The size of the header block the request thread wrote.
        let headBytes: Int
        let whenDone: @Sendable (ResponseOutcome) -> Void
        var end: End?
        var isWatchingWritable = false
        /// When it last wrote, as `ResponseChannelStateMachine.sinceOrigin(_:)`.
        var lastOutput: Duration
    }

    enum State {
        /// The request thread writes the response; sent bytes wait here until it takes them.
        case buffering(Buffer)
        /// The stream writes its own connection, from its route's task and from the pump.
        case handedOff(HandedOff)
        /// The client has gone: sends throw `ClientDisconnectedError`.
        case clientGone(endedFromOutside: Bool)
        /// The handed-off connection was closed once its end was written: sends throw
        /// `ResponseEndedError`.
        case closed(endedFromOutside: Bool)
        /// Only while a transition changes a payload in place (no copy of its buffers).
        case modifying
    }

    /// Closing a handed-off connection: stop the pump watching it, close it, report the end.
    struct Closing {
        let descriptor: Int32
        let token: UInt64
        let whenDone: @Sendable (ResponseOutcome) -> Void
        let outcome: ResponseOutcome
    }

    /// What the channel does once its lock is released: close the connection (first), resume
    /// the waiting producer with `producer`, report the end, then, if `overBudget` is set, have
    /// the pump close the streams with the most pending until that budget holds.
    struct Aftermath {
        var producer: Result<Void, any Error>?
        var closing: Closing?
        var overBudget: PendingBudget?
    }

    /// What the request thread does next (see `ResponseChannel.next(watching:)`).
    enum RequestThreadStep {
        /// Nothing to write yet: sleep until woken.
        case sleep
        /// Write these chunks (and, for a stream, flush them and hand the connection off); the
        /// waiting producer, if `resumesProducer`, has room again.
        case write([[UInt8]], isStream: Bool, resumesProducer: Bool)
        /// Write these chunks, then the response is complete; the waiting producer, if
        /// `resumesProducer`, has room again.
        case finish([[UInt8]], resumesProducer: Bool)
        /// The client has gone.
        case clientGone
    }

    /// The instant times in the state count from. The state keeps a `Duration`, whose layout is
    /// known when compiling, where a `ContinuousClock.Instant` (resilient) made every step of
    /// the machine look its layout up at run time.
    static let origin = ContinuousClock.now

    /// `instant` as the time since `origin`.
    static func sinceOrigin(_ instant: ContinuousClock.Instant) -> Duration {
        instant - origin
    }

    /// Bytes that may wait before `send` suspends.
    let capacity: Int
    private(set) var state: State = .buffering(Buffer())
    /// Whether the connection is handed off once the first bytes are written.
    private(set) var isStreaming = false
    private(set) var heartbeat: ResponseChannel.Heartbeat?
    /// Whether the producer waits for room.
    private(set) var isProducerWaiting = false
    /// Whether the request thread sleeps and must be signalled for new output.
    private(set) var isConsumerSleeping = false

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Whether the client has gone.
    var isClientGone: Bool {
        if case .clientGone = state { true } else { false }
    }

    /// Whether `end(appending:io:)` ended the response.
    var wasEndedFromOutside: Bool {
        switch state {
        case .buffering(let buffer): buffer.end == .endedFromOutside
        case .handedOff(let handedOff): handedOff.end == .endedFromOutside
        case .clientGone(let endedFromOutside), .closed(let endedFromOutside): endedFromOutside
        case .modifying: preconditionFailure("HyperTransport: a response channel's state was left in modification")
        }
    }

    /// Bytes sent and not yet written: the producer waits while there are more than `capacity`.
    var waitingBytes: Int {
        switch state {
        case .buffering(let buffer): buffer.bytes
        case .handedOff(let handedOff): handedOff.connection.pendingBytes
        case .clientGone, .closed, .modifying: 0
        }
    }

    // MARK: The producer

    /// Marks the response as a stream, with `heartbeat` for its silences.
    mutating func startStreaming(heartbeat: ResponseChannel.Heartbeat?) {
        isStreaming = true
        self.heartbeat = heartbeat
    }

    /// The route sends `bytes`: buffered for the request thread, or framed and written on the
    /// handed-off connection. Returns whether the producer must then wait for room. Throws
    /// `ClientDisconnectedError` once the client has gone and `ResponseEndedError` once the server
    /// ended the response or closed it; after the route's own `finish`, the bytes are ignored.
    mutating func send(_ bytes: [UInt8], io: some HandedOffIO) throws -> (mustWait: Bool, Aftermath) {
        switch state {
        case .buffering(var buffer):
            guard try isOpen(buffer.end) else { return (false, Aftermath()) }
            state = .modifying
            buffer.chunks.append(bytes)
            buffer.bytes += bytes.count
            state = .buffering(buffer)
            return (buffer.bytes > capacity, Aftermath())
        case .handedOff(var handedOff):
            guard try isOpen(handedOff.end) else { return (false, Aftermath()) }
            state = .modifying
            handedOff.connection.append(bytes)
            state = .handedOff(handedOff)
            let aftermath = write(io: io)
            return (waitingBytes > capacity, aftermath)
        case .clientGone:
            throw ClientDisconnectedError()
        case .closed:
            throw ResponseEndedError()
        case .modifying:
            preconditionFailure("HyperTransport: a response channel's state was left in modification")
        }
    }

    /// Whether a response with `end` still takes output; throws if the server ended it.
    private func isOpen(_ end: End?) throws -> Bool {
        switch end {
        case nil: return true
        case .finished: return false
        case .endedFromOutside: throw ResponseEndedError()
        }
    }

    /// The route has finished: the request thread writes the rest, or the handed-off connection
    /// frames the end of the request and writes it. Once ended, or over, nothing changes.
    mutating func finish(io: some HandedOffIO) -> Aftermath {
        switch state {
        case .buffering(var buffer) where buffer.end == nil:
            state = .modifying
            buffer.end = .finished
            state = .buffering(buffer)
            return Aftermath()
        case .handedOff(var handedOff) where handedOff.end == nil:
            state = .modifying
            handedOff.end = .finished
            handedOff.connection.appendEnd()
            state = .handedOff(handedOff)
            return write(io: io)
        case .buffering, .handedOff, .clientGone, .closed:
            return Aftermath()
        case .modifying:
            preconditionFailure("HyperTransport: a response channel's state was left in modification")
        }
    }

    /// The server ends the response: `finalBytes` follow what was sent, then the end; the waiting
    /// producer is released with `ResponseEndedError`. Returns false, changing nothing, once the
    /// response has ended or the client has gone.
    mutating func end(appending finalBytes: [UInt8], io: some HandedOffIO) -> (ended: Bool, Aftermath) {
        var aftermath = Aftermath()
        switch state {
        case .buffering(var buffer) where buffer.end == nil:
            state = .modifying
            if !finalBytes.isEmpty {
                buffer.chunks.append(finalBytes)
                buffer.bytes += finalBytes.count
            }
            buffer.end = .endedFromOutside
            state = .buffering(buffer)
        case .handedOff(var handedOff) where handedOff.end == nil:
            state = .modifying
            if !finalBytes.isEmpty { handedOff.connection.append(finalBytes) }
            handedOff.end = .endedFromOutside
            handedOff.connection.appendEnd()
            state = .handedOff(handedOff)
            // Released first: ended, it throws, whatever room the write makes.
            let released = releaseProducer(.failure(ResponseEndedError()))
            aftermath = write(io: io)
            if let released { aftermath.producer = released }
            return (true, aftermath)
        case .buffering, .handedOff, .clientGone, .closed:
            return (false, aftermath)
        case .modifying:
            preconditionFailure("HyperTransport: a response channel's state was left in modification")
        }
        aftermath.producer = releaseProducer(.failure(ResponseEndedError()))
        return (true, aftermath)
    }

    /// The producer found more than `capacity` bytes waiting: returns how its wait ends at once,
    /// or nil: it waits until there is room or the response is over.
    mutating func waitForRoom(isCancelled: Bool) -> Result<Void, any Error>? {
        if isClientGone { return .failure(ClientDisconnectedError()) }
        if wasEndedFromOutside { return .failure(ResponseEndedError()) }
        if isCancelled { return .failure(CancellationError()) }
        if waitingBytes <= capacity { return .success(()) }
        isProducerWaiting = true
        return nil
    }

    /// The producer's task was cancelled: returns whether it was waiting (it is then released).
    mutating func cancelWaiting() -> Bool {
        releaseProducer(.failure(CancellationError())) != nil
    }

    /// Stops the producer waiting; returns `result` for it, or nil if it was not waiting.
    private mutating func releaseProducer(_ result: Result<Void, any Error>) -> Result<Void, any Error>? {
        guard isProducerWaiting else { return nil }
        isProducerWaiting = false
        return result
    }

    /// Returns whether the request thread sleeps, and counts it awake: it must then be signalled.
    mutating func wakeConsumer() -> Bool {
        defer { isConsumerSleeping = false }
        return isConsumerSleeping
    }

    // MARK: The request thread

    /// The request thread asks for output: takes what is buffered, or marks the thread asleep.
    mutating func nextRequestThreadStep() -> RequestThreadStep {
        switch state {
        case .buffering(var buffer):
            if buffer.chunks.isEmpty && buffer.end == nil {
                isConsumerSleeping = true
                return .sleep
            }
            state = .modifying
            let chunks = buffer.chunks
            buffer.chunks.removeAll(keepingCapacity: true)
            buffer.bytes = 0
            state = .buffering(buffer)
            let resumesProducer = releaseProducer(.success(())) != nil
            return buffer.end == nil
                ? .write(chunks, isStream: isStreaming, resumesProducer: resumesProducer)
                : .finish(chunks, resumesProducer: resumesProducer)
        case .clientGone:
            return .clientGone
        case .handedOff, .closed:
            // The request thread let go of the connection: nothing is left for it.
            return .finish([], resumesProducer: false)
        case .modifying:
            preconditionFailure("HyperTransport: a response channel's state was left in modification")
        }
    }

    /// The request thread went back to work without sleeping.
    mutating func consumerStaysAwake() {
        isConsumerSleeping = false
    }

    /// The request thread saw the client hang up, or failed to write: the buffer is dropped and
    /// the producer's pending and later sends throw `ClientDisconnectedError`. A handed-off
    /// connection is closed.
    mutating func clientLeft() -> Aftermath {
        switch state {
        case .buffering(let buffer):
            state = .clientGone(endedFromOutside: buffer.end == .endedFromOutside)
            return Aftermath(producer: releaseProducer(.failure(ClientDisconnectedError())))
        case .handedOff(let handedOff):
            return close(handedOff, clientGone: true)
        case .clientGone, .closed:
            return Aftermath()
        case .modifying:
            preconditionFailure("HyperTransport: a response channel's state was left in modification")
        }
    }

    // MARK: The handed-off connection

    /// The request thread has written the header block (`headBytes` bytes) and lets go of
    /// `connection`, which the pump watches as `token`: what is buffered moves onto it, and what
    /// it can take now is written. Returns nil, taking nothing over, unless the response is
    /// buffering.
    mutating func handOff(
        _ connection: StreamConnection, token: UInt64, headBytes: Int,
        whenDone: @escaping @Sendable (ResponseOutcome) -> Void, io: some HandedOffIO
    ) -> Aftermath? {
        guard case .buffering(let buffer) = state else { return nil }
        var handedOff = HandedOff(
            connection: connection, token: token, headBytes: headBytes, whenDone: whenDone, end: buffer.end,
            lastOutput: Self.sinceOrigin(.now))
        for chunk in buffer.chunks { handedOff.connection.append(chunk) }
        if buffer.end != nil { handedOff.connection.appendEnd() }
        state = .handedOff(handedOff)
        return write(io: io)
    }

    /// The pump saw the connection writable again.
    mutating func connectionWritable(io: some HandedOffIO) -> Aftermath {
        write(io: io)
    }

    /// The pump closes the stream to bring its pending budget back within its limit: as if the
    /// client had gone. Returns nil, changing nothing, unless the connection is handed off.
    mutating func closeForBudget() -> Aftermath? {
        guard case .handedOff(let handedOff) = state else { return nil }
        return close(handedOff, clientGone: true)
    }

    /// The pump saw the web server close the connection: the client has gone.
    mutating func connectionHungUp() -> Aftermath {
        guard case .handedOff(let handedOff) = state else { return Aftermath() }
        return close(handedOff, clientGone: true)
    }

    /// Sends the heartbeat if the open stream has written nothing for its interval up to `now`.
    mutating func sendHeartbeatIfDue(at now: ContinuousClock.Instant, io: some HandedOffIO) -> Aftermath {
        guard let heartbeat, case .handedOff(var handedOff) = state, handedOff.end == nil,
            handedOff.connection.pendingBytes == 0, Self.sinceOrigin(now) - handedOff.lastOutput >= heartbeat.interval
        else { return Aftermath() }
        state = .modifying
        handedOff.connection.append(heartbeat.bytes)
        state = .handedOff(handedOff)
        return write(io: io)
    }

    /// Writes what is pending on the handed-off connection without blocking: releases the
    /// producer when the backlog fits the capacity again, has the pump watch for room while the
    /// socket is full, and closes the connection once the end of the request is written or a
    /// write fails.
    private mutating func write(io: some HandedOffIO) -> Aftermath {
        guard case .handedOff(var handedOff) = state else { return Aftermath() }
        state = .modifying
        let outcome = io.write(&handedOff.connection)
        handedOff.lastOutput = Self.sinceOrigin(.now)
        let watch = outcome == .blocked
        if watch != handedOff.isWatchingWritable {
            handedOff.isWatchingWritable = watch
            // Unwatched, a blocked stream would wait until its client leaves: end it instead.
            guard io.watchWritable(watch, descriptor: handedOff.connection.descriptor, token: handedOff.token) else {
                return close(handedOff, clientGone: true)
            }
        }
        switch outcome {
        case .failed:
            return close(handedOff, clientGone: true)
        case .drained where handedOff.connection.isEnded:
            return close(handedOff, clientGone: false)
        case .drained, .blocked:
            state = .handedOff(handedOff)
            let budget = handedOff.connection.budget
            let overBudget = outcome == .blocked && budget.isExceeded ? budget : nil
            guard handedOff.connection.pendingBytes <= capacity else { return Aftermath(overBudget: overBudget) }
            return Aftermath(producer: releaseProducer(.success(())), overBudget: overBudget)
        }
    }

    /// Leaves `handedOff` for good: the response is over, the waiting producer is released with
    /// the error that says why, and the aftermath closes the connection and reports the end.
    /// The state keeps nothing of it: its `whenDone` may hold the channel, and no cycle outlives
    /// the stream.
    private mutating func close(_ handedOff: HandedOff, clientGone: Bool) -> Aftermath {
        let endedFromOutside = handedOff.end == .endedFromOutside
        state =
            clientGone ? .clientGone(endedFromOutside: endedFromOutside) : .closed(endedFromOutside: endedFromOutside)
        var aftermath = Aftermath()
        aftermath.closing = Closing(
            descriptor: handedOff.connection.descriptor, token: handedOff.token, whenDone: handedOff.whenDone,
            outcome: ResponseOutcome(
                bytesWritten: handedOff.headBytes + handedOff.connection.bodyBytes, clientDisconnected: clientGone))
        aftermath.producer = releaseProducer(.failure(clientGone ? ClientDisconnectedError() : ResponseEndedError()))
        return aftermath
    }
}

/// The I/O of a handed-off connection that `ResponseChannelStateMachine` asks for: writing what
/// is pending, and the pump's watch for room to write.
protocol HandedOffIO {
    /// Writes as much of `connection`'s pending bytes as the socket takes now.
    func write(_ connection: inout StreamConnection) -> StreamConnection.WriteOutcome
    /// Has the pump watch `descriptor` for room to write, or stop doing so; false if it refused.
    func watchWritable(_ watch: Bool, descriptor: Int32, token: UInt64) -> Bool
}
