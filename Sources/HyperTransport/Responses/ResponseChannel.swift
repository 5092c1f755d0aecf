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
/// connection over (`handOff(_:headBytes:whenDone:)`) and goes back to serving requests: from
/// then on `send` writes itself without blocking (`StreamConnection`, in the wire protocol's
/// framing), and the `StreamPump` finishes writes that found the socket full, sends heartbeats
/// and notices the client leaving. `whenDone` then reports how the response ended.
///
/// Which of these states the response is in, and what each call does in each, is written in
/// one place: `ResponseChannelStateMachine`. This class holds it under a lock and does what it
/// asks for.
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

    typealias StateMachine = ResponseChannelStateMachine

    /// The state machine, and the continuation of the producer while the machine says it waits.
    struct Locked {
        var machine: StateMachine
        var producer: CheckedContinuation<Void, any Error>?

        /// What `aftermath` leaves to do, with the producer's continuation if it resumes it.
        mutating func pending(_ aftermath: StateMachine.Aftermath) -> Pending {
            Pending(aftermath: aftermath, producer: aftermath.producer == nil ? nil : producer.take())
        }

        /// Runs `transition` on the machine; returns what it leaves to do.
        mutating func pending(_ transition: (inout StateMachine) -> StateMachine.Aftermath) -> Pending {
            pending(transition(&machine))
        }
    }

    /// What is left to do once the lock is released.
    struct Pending {
        var aftermath: StateMachine.Aftermath
        var producer: CheckedContinuation<Void, any Error>?
    }

    /// Bytes that may wait in the buffer before `send` suspends.
    public let capacity: Int
    /// Runs the producing task's jobs on the request thread while it waits.
    public let executor: RequestExecutor
    let state: Mutex<Locked>
    let wakeUp: WakeUpSignal
    let pump: StreamPump

    init(capacity: Int, wakeUp: WakeUpSignal, pump: StreamPump = .shared) {
        self.capacity = capacity
        self.wakeUp = wakeUp
        self.pump = pump
        state = Mutex(Locked(machine: StateMachine(capacity: capacity)))
        executor = RequestExecutor(wakeUp: wakeUp)
    }

    /// Marks the response as a stream: the request thread hands its connection over once the
    /// first bytes are written, and every chunk reaches the web server at once. `heartbeat` is
    /// sent while the route is silent. Ordinary responses leave this off.
    public func startStreaming(heartbeat: Heartbeat?) {
        state.withLock { $0.machine.startStreaming(heartbeat: heartbeat) }
    }

    /// Queues bytes for the client. Suspends while the buffer is full; throws
    /// `ClientDisconnectedError` once the client has gone, `ResponseEndedError` once the response
    /// was ended with `end(appending:)`, and `CancellationError` if the task is cancelled while
    /// waiting.
    public func send(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let (mustWait, pending) = try state.withLock { locked throws(any Error) in
            let (mustWait, aftermath) = try locked.machine.send(bytes, io: pumpIO)
            return (mustWait, locked.pending(aftermath))
        }
        run(pending)
        wakeConsumer()
        if mustWait { try await waitForRoom() }
    }

    /// Marks the response complete. Later `send` calls are a programming error and are ignored.
    public func finish() {
        run(state.withLock { $0.pending { $0.finish(io: pumpIO) } })
        wakeConsumer()
    }

    /// Ends the response from outside the route, as a server shutting down does with open
    /// streams: queues `finalBytes` after what the route has sent so far and marks the response
    /// complete, so that it is written and the request ended. The route's pending and later
    /// `send`s throw `ResponseEndedError`. Returns false, doing nothing, if the response had
    /// already finished or its client was gone.
    @discardableResult
    public func end(appending finalBytes: [UInt8]) -> Bool {
        let (ended, pending) = state.withLock { locked in
            let (ended, aftermath) = locked.machine.end(appending: finalBytes, io: pumpIO)
            return (ended, locked.pending(aftermath))
        }
        run(pending)
        if ended { wakeConsumer() }
        return ended
    }

    /// Whether `end(appending:)` ended the response.
    public var wasEndedFromOutside: Bool {
        state.withLock { $0.machine.wasEndedFromOutside }
    }

    /// Whether the client has gone away.
    public var isClientGone: Bool {
        state.withLock { $0.machine.isClientGone }
    }

    private func waitForRoom() async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate = state.withLock { locked in
                    let immediate = locked.machine.waitForRoom(isCancelled: Task.isCancelled)
                    if immediate == nil { locked.producer = continuation }
                    return immediate
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            state.withLock { $0.machine.cancelWaiting() ? $0.producer.take() : nil }?.resume(
                throwing: CancellationError())
        }
    }

    private func wakeConsumer() {
        if state.withLock({ $0.machine.wakeConsumer() }) { wakeUp.signal() }
    }

    /// Does what the state machine left for after the lock: closes a handed-off connection that
    /// is over, resumes the producer, reports the end, has the pump bring an exceeded pending
    /// budget back within its limit.
    func run(_ pending: Pending) {
        let closing = pending.aftermath.closing
        if let closing {
            pump.remove(descriptor: closing.descriptor, token: closing.token)
            Glibc.close(closing.descriptor)
        }
        if let producer = pending.producer, let result = pending.aftermath.producer { producer.resume(with: result) }
        if let closing { closing.whenDone(closing.outcome) }
        if let budget = pending.aftermath.overBudget { pump.closeLargest(within: budget) }
    }
}
