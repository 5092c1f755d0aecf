import CFastCGI
import Glibc
import Logging
import Synchronization

/// Accepts SCGI connections and reads each request whole before any request thread sees it, so
/// that peers which connect and then send slowly, or nothing, hold no thread.
///
/// Two threads of its own: one waits in `accept(2)` (for at most
/// `ListeningSocket.acceptWaitLimit` at a time, to notice a stop), the other reads every
/// connection whose request is still arriving, without blocking, from one `epoll(7)` set. A
/// request whose header block and body (up to the body limit) have arrived goes to `requests`,
/// where request threads take it. A request that has not arrived whole within the request
/// timeout is refused and its connection closed; past `maxArrivingConnections` connections
/// still arriving, the oldest is closed for each new one, so a crowd of stalled peers costs a
/// descriptor each for a while, never a thread, and never the requests nginx sends whole.
///
/// On `stop()` it stops accepting (after taking what is queued, on a socket this process
/// opened), reads what is still arriving to its end or its timeout, then closes `requests`.
final class SCGIIntake: Sendable {
    /// The connections read whole, for request threads to take.
    let requests = HandOffQueue<SCGIReceivedRequest>()

    private let listening: ListeningSocket
    private let requestTimeout: Duration
    private let bodyLimit: Int
    private let maxArrivingConnections: Int
    private let logger: Logger
    private let onAcceptFailure: @Sendable (Int32) -> Void
    private let epoll: Int32
    /// Wakes the reader for newly accepted connections and for the acceptor's end.
    private let wakeUp: Int32
    private let accepted = Mutex<[Int32]>([])
    private let stopping = Atomic<Bool>(false)
    private let acceptorFinished = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    /// An intake for `listening`, made when the server is (its two descriptors then, not when
    /// a crowd of connections has taken them all). `onAcceptFailure` hears every failed
    /// `accept(2)` (its `errno`).
    init(
        listening: ListeningSocket, requestTimeout: Duration, bodyLimit: Int, maxArrivingConnections: Int,
        logger: Logger, onAcceptFailure: @escaping @Sendable (Int32) -> Void
    ) {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(epoll >= 0, "HyperSCGI: epoll_create1 failed (errno \(errno))")
        wakeUp = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        precondition(
            wakeUp >= 0
                && hyper_epoll_control(epoll, EPOLL_CTL_ADD, wakeUp, UInt32(HYPER_EPOLLIN), Self.wakeUpToken) == 0,
            "HyperSCGI: cannot watch the intake's wake-up descriptor (errno \(errno))")
        self.listening = listening
        self.requestTimeout = requestTimeout
        self.bodyLimit = bodyLimit
        self.maxArrivingConnections = max(1, maxArrivingConnections)
        self.logger = logger
        self.onAcceptFailure = onAcceptFailure
    }

    private static let wakeUpToken = UInt64.max

    deinit {
        // Once started, the threads keep the intake alive until the reader has closed both.
        if !finished.load(ordering: .acquiring) {
            Glibc.close(epoll)
            Glibc.close(wakeUp)
        }
    }

    /// Starts the accepting and the reading thread; false if the system refused either.
    func start() -> Bool {
        guard RequestThread.start(stackSize: 256 * 1024, { [self] in readArrivingRequests() }) else { return false }
        guard RequestThread.start(stackSize: 256 * 1024, { [self] in acceptConnections() }) else {
            stop()
            acceptorFinished.store(true, ordering: .releasing)
            signalReader()
            return false
        }
        return true
    }

    /// Stops accepting; what was accepted is still read and handed on, then `requests` closes.
    func stop() {
        stopping.store(true, ordering: .releasing)
    }

    /// Whether `stop()` was called.
    private var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Whether both threads have ended.
    var hasFinished: Bool { finished.load(ordering: .acquiring) }

    // MARK: - Accepting

    private func acceptConnections() {
        let isTCP = listening.isTCP
        accepting: while !(isStopping && !listening.drainsBacklogOnStop) {
            var connection: Int32 = -1
            switch AcceptOutcome.accept(on: listening.descriptor, isTCP: isTCP, into: &connection) {
            case .connection:
                accepted.withLock { $0.append(connection) }
                signalReader()
            case .nothingQueued:
                if isStopping { break accepting }
            case .failed(let code):
                if isStopping { break accepting }
                onAcceptFailure(code)
                usleep(10_000)  // for instance out of descriptors: let requests in flight release some
            }
        }
        acceptorFinished.store(true, ordering: .releasing)
        signalReader()
    }

    private func signalReader() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(wakeUp, $0.baseAddress, 8) }
    }

    // MARK: - Reading

    /// A connection whose request is still arriving.
    private struct Arriving {
        var request: SCGIArrivingRequest
        let serial: UInt32
        let deadline: ContinuousClock.Instant
    }

    /// What only the reading thread touches.
    private struct ReaderState {
        var arriving: [Int32: Arriving] = [:]
        /// Connections in the order they were accepted (so by deadline); an entry whose
        /// connection has left `arriving`, or whose serial differs, is skipped.
        var order: [(connection: Int32, serial: UInt32)] = []
        var orderStart = 0
        var nextSerial: UInt32 = 0
        var closedAsOldest = 0
        var lastOldestLog: ContinuousClock.Instant?
    }

    private func readArrivingRequests() {
        var state = ReaderState()
        let capacity = 256
        var tokens = [UInt64](repeating: 0, count: capacity)
        var events = [UInt32](repeating: 0, count: capacity)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let timeout = oldest(in: &state).map { entry in
                Int32(clamping: Int(max(0, (entry.deadline - .now) / .milliseconds(1))) + 1)
            }
            let count = hyper_epoll_wait(epoll, &tokens, &events, Int32(capacity), timeout ?? -1)
            for index in 0..<max(0, Int(count)) {
                if tokens[index] == Self.wakeUpToken {
                    var counter: UInt64 = 0
                    _ = withUnsafeMutableBytes(of: &counter) { Glibc.read(wakeUp, $0.baseAddress, 8) }
                    adoptAccepted(into: &state)
                } else {
                    let connection = Int32(truncatingIfNeeded: tokens[index] & 0xFFFF_FFFF)
                    let serial = UInt32(truncatingIfNeeded: tokens[index] >> 32)
                    guard state.arriving[connection]?.serial == serial else { continue }
                    buffer.withUnsafeMutableBytes { receive(from: connection, into: $0, state: &state) }
                }
            }
            expire(at: .now, state: &state)
            if acceptorFinished.load(ordering: .acquiring) && state.arriving.isEmpty
                && accepted.withLock({ $0.isEmpty })
            {
                requests.close()
                Glibc.close(epoll)
                Glibc.close(wakeUp)
                finished.store(true, ordering: .releasing)
                return
            }
        }
    }

    /// Watches the connections the acceptor took; closes the oldest still arriving past the limit.
    private func adoptAccepted(into state: inout ReaderState) {
        let newlyAccepted = accepted.withLock { accepted in
            defer { accepted.removeAll() }
            return accepted
        }
        for connection in newlyAccepted {
            state.nextSerial &+= 1
            let serial = state.nextSerial
            let token = UInt64(serial) << 32 | UInt64(UInt32(bitPattern: connection))
            guard hyper_epoll_control(epoll, EPOLL_CTL_ADD, connection, UInt32(HYPER_EPOLLIN), token) == 0 else {
                refuse(connection, why: "HyperSCGI: cannot watch the connection: \(String(cString: strerror(errno)))")
                continue
            }
            state.arriving[connection] = Arriving(
                request: SCGIArrivingRequest(bodyLimit: bodyLimit), serial: serial, deadline: .now + requestTimeout)
            state.order.append((connection, serial))
            if state.arriving.count > maxArrivingConnections, let oldest = oldest(in: &state) {
                remove(oldest.connection, from: &state)
                Glibc.close(oldest.connection)
                state.closedAsOldest += 1
            }
        }
        logClosedAsOldest(&state)
    }

    /// The connection accepted first among those still arriving.
    private func oldest(in state: inout ReaderState) -> (connection: Int32, deadline: ContinuousClock.Instant)? {
        while state.orderStart < state.order.count {
            let (connection, serial) = state.order[state.orderStart]
            if let entry = state.arriving[connection], entry.serial == serial { return (connection, entry.deadline) }
            state.orderStart += 1
        }
        state.order.removeAll(keepingCapacity: true)
        state.orderStart = 0
        return nil
    }

    /// Stops watching a connection still arriving, without closing it.
    private func remove(_ connection: Int32, from state: inout ReaderState) {
        _ = hyper_epoll_control(epoll, EPOLL_CTL_DEL, connection, 0, 0)
        state.arriving[connection] = nil
        if state.orderStart > 1024 && state.orderStart * 2 > state.order.count {
            state.order.removeFirst(state.orderStart)
            state.orderStart = 0
        }
    }

    /// Reads what `connection` has, and hands its request on, or refuses it, once that is decided.
    private func receive(from connection: Int32, into buffer: UnsafeMutableRawBufferPointer, state: inout ReaderState) {
        guard var entry = state.arriving[connection] else { return }
        let count = recv(connection, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
        let progress: SCGIArrivingRequest.Progress
        if count > 0 {
            progress = entry.request.receive(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        } else if count == 0 {
            progress = entry.request.ended()
        } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
            return
        } else {
            remove(connection, from: &state)
            refuse(connection, why: "HyperSCGI: reading the request failed: \(String(cString: strerror(errno)))")
            return
        }
        switch progress {
        case .needsMore:
            state.arriving[connection] = entry
        case .whole(let head, let body, let end):
            remove(connection, from: &state)
            requests.append(SCGIReceivedRequest(connection: connection, head: head, body: body, bodyEnd: end))
        case .refused(let error):
            remove(connection, from: &state)
            refuse(connection, why: error.description)
        case .closedSilently:
            remove(connection, from: &state)
            Glibc.close(connection)
        }
    }

    /// Refuses the connections whose request did not arrive whole in time; one whose header
    /// block came whole is handed on with its body cut short, to be answered 400.
    private func expire(at now: ContinuousClock.Instant, state: inout ReaderState) {
        while let oldest = oldest(in: &state), oldest.deadline <= now {
            let entry = state.arriving[oldest.connection]
            remove(oldest.connection, from: &state)
            if let entry, case .whole(let head, let body, let end) = entry.request.ended() {
                logger.warning(
                    "HyperSCGI: refused an SCGI peer",
                    metadata: ["why": "HyperSCGI: the request body did not arrive whole within \(requestTimeout)"])
                requests.append(
                    SCGIReceivedRequest(connection: oldest.connection, head: head, body: body, bodyEnd: end))
            } else {
                refuse(oldest.connection, why: "HyperSCGI: the request did not arrive whole within \(requestTimeout)")
            }
        }
    }

    /// Logs why the connection was refused and closes it.
    private func refuse(_ connection: Int32, why: String) {
        logger.warning("HyperSCGI: refused an SCGI peer", metadata: ["why": "\(why)"])
        Glibc.close(connection)
    }

    /// Logs the connections closed as the oldest still arriving, at most once a second.
    private func logClosedAsOldest(_ state: inout ReaderState) {
        guard state.closedAsOldest > 0 else { return }
        let now = ContinuousClock.now
        if let last = state.lastOldestLog, now - last < .seconds(1) { return }
        logger.warning(
            "HyperSCGI: more than \(maxArrivingConnections) connections were still sending their request; closed the oldest",
            metadata: ["closed": "\(state.closedAsOldest)"])
        state.closedAsOldest = 0
        state.lastOldestLog = now
    }
}
