import Glibc
import Logging
import Synchronization

/// Serves FastCGI requests on a listening socket with a pool of OS threads.
///
/// Each in-flight request is owned by one thread, which does its blocking libfcgi I/O and calls
/// `handler` for it. The pool starts small and grows on demand up to `maxThreads`, so that one
/// thread is always waiting in `accept`: connections that nginx keeps open between requests
/// (`fastcgi_keep_conn on`) each hold a thread, and can never starve new connections.
///
/// ```swift
/// let server = FastCGIServer(socket: try .unix(path: path), configuration: .init(), logger: logger) { exchange in
///     exchange.writeResponse(Array("Content-Type: text/plain\r\n\r\nhi".utf8))
/// }
/// server.start()
/// ```
public final class FastCGIServer: Sendable {
    /// Limits of the thread pool.
    public struct Configuration: Sendable {
        /// The most request threads alive at once; each open stream or kept connection holds one.
        public var maxThreads: Int
        /// Stack size of each request thread. Route code runs on Swift tasks, not on these.
        public var threadStackSize: Int
        /// Threads started before the first request.
        public var initialThreads: Int
        /// Idle threads waiting in `accept` beyond this number exit after their request.
        public var maxSpareThreads: Int

        public init(
            maxThreads: Int = 16_384, threadStackSize: Int = 256 * 1024, initialThreads: Int = 4,
            maxSpareThreads: Int = 16
        ) {
            self.maxThreads = maxThreads
            self.threadStackSize = threadStackSize
            self.initialThreads = initialThreads
            self.maxSpareThreads = maxSpareThreads
        }
    }

    /// A snapshot of the pool.
    public struct Statistics: Sendable, Equatable {
        /// Threads alive.
        public var threads: Int
        /// Threads waiting for a new connection.
        public var accepting: Int
        /// Threads serving a request.
        public var busy: Int
        /// Requests accepted since start.
        public var acceptedRequests: Int
    }

    private struct State {
        var threads = 0
        var accepting = 0
        var busy = 0
        var acceptedRequests = 0
        var isStopping = false
        var warnedAtLimit = false
        var acceptFailuresSinceLog = 0
        var lastAcceptFailureLog: ContinuousClock.Instant?
    }

    public let socket: ListeningSocket
    public let configuration: Configuration
    /// The most request threads this server starts: `configuration.maxThreads`, lowered if the
    /// process's descriptor limit (raised to its hard limit first) cannot hold that many.
    public let maxThreads: Int
    /// The process's descriptor limit.
    public let descriptorLimit: Int
    private let logger: Logger
    private let handler: @Sendable (FastCGIExchange) -> Void
    private let state = Mutex(State())

    /// Creates a server; `handler` runs on a request thread for each request.
    public init(
        socket: ListeningSocket, configuration: Configuration, logger: Logger,
        handler: @escaping @Sendable (FastCGIExchange) -> Void
    ) {
        self.socket = socket
        self.configuration = configuration
        descriptorLimit = DescriptorLimit.raiseToHardLimit()
        maxThreads = min(configuration.maxThreads, DescriptorLimit.threadCapacity(within: descriptorLimit))
        self.logger = logger
        self.handler = handler
    }

    /// Starts the initial threads and returns.
    public func start() {
        for _ in 0..<max(1, configuration.initialThreads) {
            guard reserveThread(accepting: true) else { break }
            launchThread()
        }
    }

    /// Stops accepting new connections. Requests in flight go on; `waitForRequestsInFlight`
    /// tells when they have ended.
    public func stop() {
        let wasStopping = state.withLock { state in
            defer { state.isStopping = true }
            return state.isStopping
        }
        if !wasStopping { socket.shutDown() }
    }

    /// Blocks until no request is in flight or `timeout` has passed; returns whether none is.
    /// Meant for shutdown, after `stop`.
    @discardableResult
    public func waitForRequestsInFlight(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while statistics.busy > 0 {
            guard ContinuousClock.now < deadline else { return false }
            usleep(10_000)
        }
        return true
    }

    /// The pool's current figures.
    public var statistics: Statistics {
        state.withLock {
            Statistics(
                threads: $0.threads, accepting: $0.accepting, busy: $0.busy, acceptedRequests: $0.acceptedRequests)
        }
    }

    private func launchThread() {
        let started = RequestThread.start(stackSize: configuration.threadStackSize) { [self] in
            serveRequests()
        }
        if !started {
            logger.error("HyperFastCGI: cannot start a request thread", metadata: ["errno": "\(errno)"])
            releaseThread(accepting: true)
        }
    }

    /// Counts a thread about to start, unless the pool is full or stopping.
    private func reserveThread(accepting: Bool) -> Bool {
        state.withLock { state in
            guard !state.isStopping, state.threads < maxThreads else { return false }
            state.threads += 1
            if accepting { state.accepting += 1 }
            return true
        }
    }

    private func releaseThread(accepting: Bool) {
        state.withLock { state in
            state.threads -= 1
            if accepting { state.accepting -= 1 }
        }
    }

    /// The loop of one request thread.
    private func serveRequests() {
        guard let exchange = FastCGIExchange(listeningDescriptor: socket.descriptor) else {
            logger.error(
                "HyperFastCGI: out of descriptors, a request thread could not start (raise LimitNOFILE)",
                metadata: ["errno": "\(errno)"])
            releaseThread(accepting: true)
            return
        }
        var isAccepting = true  // counted in `accepting` while waiting for a new connection
        while true {
            guard exchange.accept() else {
                if state.withLock({ $0.isStopping }) {
                    releaseThread(accepting: isAccepting)
                    return
                }
                let code = errno
                if !isAccepting {  // libfcgi dropped the kept connection and then failed in accept
                    isAccepting = true
                    state.withLock { $0.accepting += 1 }
                }
                logAcceptFailure(errno: code)
                usleep(10_000)  // for instance out of descriptors: let requests in flight release some
                continue
            }
            let needsAcceptor = state.withLock { state -> Bool in
                if isAccepting { state.accepting -= 1 }
                state.busy += 1
                state.acceptedRequests += 1
                return state.accepting == 0 && !state.isStopping
            }
            if needsAcceptor { addAcceptor() }
            handler(exchange)
            exchange.finish()
            isAccepting = !exchange.holdsKeptConnection
            let exits = state.withLock { state -> Bool in
                state.busy -= 1
                if state.isStopping || (isAccepting && state.accepting >= configuration.maxSpareThreads) {
                    state.threads -= 1
                    return true
                }
                if isAccepting { state.accepting += 1 }
                return false
            }
            if exits { return }
        }
    }

    /// Logs a failed accept, at most once a second with the count since the last line, since
    /// every accepting thread retries every 10 ms while the condition lasts.
    private func logAcceptFailure(errno code: Int32) {
        let now = ContinuousClock.now
        let failures = state.withLock { state -> Int? in
            state.acceptFailuresSinceLog += 1
            if let last = state.lastAcceptFailureLog, now - last < .seconds(1) { return nil }
            defer { state.acceptFailuresSinceLog = 0 }
            state.lastAcceptFailureLog = now
            return state.acceptFailuresSinceLog
        }
        if let failures {
            logger.error(
                "HyperFastCGI: accept failed: \(String(cString: strerror(code)))",
                metadata: ["errno": "\(code)", "socket": "\(socket.address)", "failures": "\(failures)"])
        }
    }

    private func addAcceptor() {
        if reserveThread(accepting: true) {
            launchThread()
        } else {
            let warn = state.withLock { state in
                defer { state.warnedAtLimit = true }
                return !state.warnedAtLimit && !state.isStopping
            }
            if warn {
                logger.warning(
                    "HyperFastCGI: all \(maxThreads) request threads are busy; new connections wait in the backlog (raise --max-threads or the descriptor limit)"
                )
            }
        }
    }
}
