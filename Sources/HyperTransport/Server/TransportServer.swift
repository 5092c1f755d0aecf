import Glibc
import Logging
import Synchronization

/// Serves FastCGI or SCGI requests on a listening socket with a pool of OS threads.
///
/// Each in-flight request is owned by one thread, which does its blocking I/O and calls
/// `handler` for it; a stream holds its thread only until its header block is written, then its
/// connection is handed to the process's `StreamPump` and the thread serves the next request.
/// The pool starts small and grows on demand up to `maxThreads`, so that one thread is always
/// waiting in `accept`: connections that nginx keeps open between requests
/// (`fastcgi_keep_conn on`) each hold a thread, and can never starve new connections.
///
/// The wire protocol (`Configuration.wireProtocol`) decides only how a request is read and how
/// the response is framed (`FastCGIExchange`, `SCGIExchange`); the handler sees a
/// `TransportExchange` either way. SCGI's threads do not accept: its `SCGIIntake` accepts and
/// reads each request whole without a thread, and they take whole requests from it.
///
/// ```swift
/// let server = try TransportServer(socket: try .unix(path: path), configuration: .init(), logger: logger) {
///     exchange in
///     exchange.writeResponse(Array("Content-Type: text/plain\r\n\r\nhi".utf8))
/// }
/// server.start()
/// ```
public final class TransportServer: Sendable {
    /// The wire protocol and the limits of the thread pool.
    public struct Configuration: Sendable {
        /// What the web server speaks on the socket: FastCGI (the default) or SCGI.
        public var wireProtocol: WireProtocol
        /// The most request threads alive at once; each request in flight or kept connection
        /// holds one (a stream only until its header block is written).
        public var maxThreads: Int
        /// Stack size of each request thread. Route code runs on Swift tasks, not on these.
        public var threadStackSize: Int
        /// Threads started before the first request.
        public var initialThreads: Int
        /// Idle threads waiting in `accept` beyond this number exit once they have waited
        /// `ListeningSocket.acceptWaitLimit` for nothing.
        public var maxSpareThreads: Int
        /// How long a request may take to arrive whole (parameters and body), counted from its
        /// connection's accept, or from its first byte on a kept connection. A later one is
        /// refused and its connection closed, with a warning: a peer that connects and sends
        /// nothing, or sends slowly, holds a thread no longer than this.
        public var requestTimeout: Duration
        /// The most streams open at once; past it (or past what the descriptor limit holds, see
        /// `DescriptorLimit.budget`), a new stream is answered 503 with `Retry-After`.
        public var maxStreams: Int
        /// SCGI: the largest request body read before a request thread takes the request; a
        /// longer announced one is left unread (the framework answers 413).
        public var maxRequestBodySize: Int
        /// The most connections whose first request is still arriving: over SCGI read without a
        /// thread (`SCGIIntake`), over FastCGI each on the thread that will serve it
        /// (`ArrivalRegistry`); past it, the oldest of them is closed for each new one.
        public var maxArrivingConnections: Int
        /// The most bytes all streams together may hold queued and not yet written, each chunk
        /// shared by several streams counted once (`PendingBudget`); past it, the streams with the
        /// most pending are closed, most first.
        public var maxPendingStreamBytes: Int

        public init(
            wireProtocol: WireProtocol = .fastCGI, maxThreads: Int = 16_384, threadStackSize: Int = 256 * 1024,
            initialThreads: Int = 4,
            maxSpareThreads: Int = 16, requestTimeout: Duration = .seconds(10), maxStreams: Int = 1_000_000,
            maxRequestBodySize: Int = 10 * 1024 * 1024, maxArrivingConnections: Int = 1024,
            maxPendingStreamBytes: Int = PendingBudget.defaultLimit
        ) {
            self.wireProtocol = wireProtocol
            self.maxRequestBodySize = maxRequestBodySize
            self.maxArrivingConnections = maxArrivingConnections
            self.maxPendingStreamBytes = maxPendingStreamBytes
            self.maxStreams = maxStreams
            self.maxThreads = maxThreads
            self.threadStackSize = threadStackSize
            self.initialThreads = initialThreads
            self.maxSpareThreads = maxSpareThreads
            self.requestTimeout = requestTimeout
        }
    }

    /// A snapshot of the pool.
    public struct Statistics: Sendable, Equatable {
        /// Threads alive.
        public var threads: Int
        /// Threads waiting for a new connection.
        public var accepting: Int
        /// Threads reading or serving a request.
        public var busy: Int
        /// Requests accepted since start.
        public var acceptedRequests: Int
    }

    /// The pool's counts are atomics, not one lock: every request of every thread updates them,
    /// and a lock held by a preempted thread made a hundred others spin (a third of the CPU time,
    /// throughput divided by three). They steer the pool (start a thread when none accepts, let
    /// a spare one exit), where a count that is off by one for a moment does no harm.
    private let threads = Atomic<Int>(0)
    private let accepting = Atomic<Int>(0)
    private let busy = Atomic<Int>(0)
    private let acceptedRequests = Atomic<Int>(0)
    private let isStopping = Atomic<Bool>(false)

    public let socket: ListeningSocket
    public let configuration: Configuration
    /// The most request threads this server starts: `configuration.maxThreads`, lowered if the
    /// process's descriptor limit (raised to its hard limit first) cannot hold that many.
    public let maxThreads: Int
    /// The most streams open at once: `configuration.maxStreams`, lowered if the descriptor
    /// limit cannot hold that many beside the request threads. The app answers more with 503.
    public let maxStreams: Int
    /// The process's descriptor limit.
    public let descriptorLimit: Int
    private let logger: Logger
    private let handler: @Sendable (any TransportExchange) -> Void
    /// Whether the warning that every thread is busy was logged.
    private let warnedAtLimit = Atomic<Bool>(false)
    private let acceptFailures: AcceptFailureLog
    private let stopSignal = StopSignal()
    /// SCGI's reader of requests still arriving; nil for FastCGI, whose threads read their own.
    private let intake: SCGIIntake?
    /// FastCGI's count of fresh connections whose first request is still arriving, each on its
    /// thread; past `maxArrivingConnections`, the oldest gives up. Nil for SCGI.
    private let arrivals: ArrivalRegistry?
    /// Whether request threads go on taking requests after `stop()` until none is left: for a
    /// socket this process opened (its queue dies with it), and for SCGI, whose intake has
    /// accepted connections already and hands them all on before it closes.
    private let drainsOnStop: Bool

    /// Creates a server; `handler` runs on a request thread for each request.
    ///
    /// Throws `LibfcgiInterpositionError`, serving FastCGI, when libfcgi's reads would not pass
    /// through Hyper's input check in this program: the server refuses to serve unprotected.
    public init(
        socket: ListeningSocket, configuration: Configuration, logger: Logger,
        handler: @escaping @Sendable (any TransportExchange) -> Void
    ) throws(LibfcgiInterpositionError) {
        if configuration.wireProtocol == .fastCGI { try LibfcgiReadGate.verifyInterposition() }
        self.socket = socket
        self.configuration = configuration
        descriptorLimit = DescriptorLimit.raiseToHardLimit()
        let budget = DescriptorLimit.budget(within: descriptorLimit)
        maxThreads = min(configuration.maxThreads, budget.threads)
        maxStreams = min(configuration.maxStreams, budget.streams)
        self.logger = logger
        self.handler = handler
        drainsOnStop = socket.drainsBacklogOnStop || configuration.wireProtocol == .scgi
        let acceptFailures = AcceptFailureLog(socket: socket, logger: logger)
        self.acceptFailures = acceptFailures
        if configuration.wireProtocol == .scgi {
            intake = SCGIIntake(
                listening: socket, requestTimeout: configuration.requestTimeout,
                bodyLimit: configuration.maxRequestBodySize,
                maxArrivingConnections: configuration.maxArrivingConnections,
                logger: logger, onAcceptFailure: acceptFailures.record)
            arrivals = nil
        } else {
            intake = nil
            arrivals = ArrivalRegistry(limit: configuration.maxArrivingConnections)
        }
        _ = StreamPump.shared  // its epoll descriptor now, not when a crowd of streams has taken them all
        PendingBudget.shared.limit = configuration.maxPendingStreamBytes
    }

    /// Starts the initial threads and returns.
    public func start() {
        if let intake, !intake.start() {
            logger.error("HyperTransport: cannot start the SCGI intake's threads", metadata: ["errno": "\(errno)"])
        }
        for _ in 0..<max(1, configuration.initialThreads) {
            guard reserveThread(accepting: true) else { break }
            launchThread()
        }
    }

    /// Stops the server gracefully and returns at once.
    ///
    /// Threads waiting for a new connection leave; threads idle on a kept connection close it
    /// (the web server sees end-of-file and drops it from its pool) and leave; requests in flight
    /// go on, and their threads leave when they end, closing their connection. A socket file this
    /// process created is removed at once, and the connections already queued on it are still
    /// served (`ListeningSocket.drainsBacklogOnStop`); an inherited socket is left untouched, with
    /// its queue, for the next instance. `waitUntilStopped` tells when every thread has left.
    public func stop() {
        guard !isStopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        socket.stopNewConnections()
        intake?.stop()
        stopSignal.raise()
    }

    /// Blocks until every request thread (and SCGI's intake) has left, or `timeout` has passed;
    /// returns whether all have. Meant for shutdown, after `stop`. Streams whose connection was handed off go on
    /// without a thread: whoever serves them (the framework's stream registry) waits for them.
    @discardableResult
    public func waitUntilStopped(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while threads.load(ordering: .relaxed) > 0 || intake.map({ !$0.hasFinished }) == true {
            guard ContinuousClock.now < deadline else { return false }
            usleep(5_000)
        }
        return true
    }

    /// The pool's current figures.
    public var statistics: Statistics {
        Statistics(
            threads: threads.load(ordering: .relaxed), accepting: accepting.load(ordering: .relaxed),
            busy: busy.load(ordering: .relaxed), acceptedRequests: acceptedRequests.load(ordering: .relaxed))
    }

    private func launchThread() {
        let started = RequestThread.start(stackSize: configuration.threadStackSize) { [self] in
            serveRequests()
        }
        if !started {
            logger.error("HyperTransport: cannot start a request thread", metadata: ["errno": "\(errno)"])
            releaseThread(accepting: true)
        }
    }

    /// Counts a thread about to start, unless the pool is full or stopping.
    private func reserveThread(accepting: Bool) -> Bool {
        var current = threads.load(ordering: .relaxed)
        while !isStopping.load(ordering: .acquiring) && current < maxThreads {
            let (exchanged, original) = threads.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged {
                if accepting { self.accepting.add(1, ordering: .relaxed) }
                return true
            }
            current = original
        }
        return false
    }

    private func releaseThread(accepting: Bool) {
        threads.subtract(1, ordering: .relaxed)
        if accepting { self.accepting.subtract(1, ordering: .relaxed) }
    }

    /// The loop of one request thread: wait in `accept` for a connection, or on the kept
    /// connection for its next request; read the request, serve it, repeat; leave when the thread
    /// waited for nothing while the pool has enough spare threads, or when the server stops.
    ///
    /// A thread counts in `accepting` only while it waits in `accept`: once it has a connection it
    /// reads the request as `busy`, and the pool starts another acceptor if none is left, so that
    /// connections that send their request slowly, or never, do not keep others from being served.
    private func serveRequests() {
        guard let exchange = makeExchange() else {
            logger.error(
                "HyperTransport: out of descriptors, a request thread could not start (raise LimitNOFILE)",
                metadata: ["errno": "\(errno)"])
            releaseThread(accepting: true)
            return
        }
        while true {
            if exchange.holdsKeptConnection {
                if stopSignal.wait(watching: exchange.connectionDescriptor) == .stopped {
                    exchange.closeConnection()
                    return releaseThread(accepting: false)
                }
            } else {
                // Counted in `accepting`; it blocks in accept(2) for at most `ListeningSocket.acceptWaitLimit`.
                if stopSignal.isRaised && !drainsOnStop { return releaseThread(accepting: true) }
                switch exchange.acceptConnection() {
                case .connection:
                    break
                case .nothingQueued:
                    if stopSignal.isRaised && exchange.hasDrained { return releaseThread(accepting: true) }
                    if leavesAsSpare() { return }
                    continue
                case .failed(let code):
                    if stopSignal.isRaised { return releaseThread(accepting: true) }
                    acceptFailures.record(errno: code)
                    usleep(10_000)  // for instance out of descriptors: let requests in flight release some
                    continue
                }
                let stillAccepting = accepting.subtract(1, ordering: .relaxed).newValue
                if stillAccepting == 0 && !isStopping.load(ordering: .acquiring) { addAcceptor() }
            }
            busy.add(1, ordering: .relaxed)
            if exchange.readRequest() {
                acceptedRequests.add(1, ordering: .relaxed)
                handler(exchange)
                exchange.finish()
                if stopSignal.isRaised && exchange.holdsKeptConnection { exchange.closeConnection() }
            }
            busy.subtract(1, ordering: .relaxed)
            let isAccepting = !exchange.holdsKeptConnection
            let stopping = isStopping.load(ordering: .acquiring)
            let drains = stopping && isAccepting && drainsOnStop
            if stopping && !drains {
                threads.subtract(1, ordering: .relaxed)
                return
            }
            if isAccepting { accepting.add(1, ordering: .relaxed) }
        }
    }

    /// The calling thread's exchange in the configured wire protocol; nil when the process is
    /// out of descriptors.
    private func makeExchange() -> (any PooledExchange)? {
        switch configuration.wireProtocol {
        case .fastCGI:
            FastCGIExchange(
                listeningDescriptor: socket.descriptor, listensOnTCP: socket.isTCP,
                requestTimeout: configuration.requestTimeout, arrivals: arrivals, logger: logger)
        case .scgi:
            intake.flatMap { SCGIExchange(intake: $0) }
        }
    }

    /// Lets an accepting thread that waited `ListeningSocket.acceptWaitLimit` for nothing leave,
    /// if more than `maxSpareThreads` are waiting; returns whether it left. Only idle threads
    /// leave, so that a busy pool keeps its threads instead of ending and starting them again.
    private func leavesAsSpare() -> Bool {
        var current = accepting.load(ordering: .relaxed)
        while current > configuration.maxSpareThreads {
            let (exchanged, original) = accepting.compareExchange(
                expected: current, desired: current - 1, ordering: .relaxed)
            if exchanged {
                threads.subtract(1, ordering: .relaxed)
                return true
            }
            current = original
        }
        return false
    }

    private func addAcceptor() {
        if reserveThread(accepting: true) {
            launchThread()
        } else {
            let warn =
                !warnedAtLimit.exchange(true, ordering: .relaxed) && !isStopping.load(ordering: .relaxed)
            if warn {
                logger.warning(
                    "HyperTransport: all \(maxThreads) request threads are busy; new connections wait in the backlog (raise --max-threads or the descriptor limit)"
                )
            }
        }
    }
}
