import CFastCGI
import Glibc
import Synchronization

/// One thread with one `epoll(7)` set that watches every stream handed off by its request
/// thread: it notices the web server closing a stream's connection (the client left), finishes
/// writes that found the socket full, and sends heartbeats to silent streams.
///
/// Streams write their events themselves, from their route's task, without blocking; the pump
/// only takes over what cannot be done then. One pump serves the whole process.
final class StreamPump: Sendable {
    /// The process's pump, started on first use.
    static let shared = StreamPump()

    /// How often silent streams are checked for a due heartbeat.
    static let heartbeatCheckInterval: Duration = .milliseconds(50)

    private let epoll: Int32
    private let streams = Mutex<[UInt64: ResponseChannel]>([:])
    private let nextToken = Atomic<UInt64>(1)

    private init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(epoll >= 0, "HyperTransport: epoll_create1 failed (errno \(errno))")
        let started = RequestThread.start(stackSize: 256 * 1024) { [self] in run() }
        precondition(started, "HyperTransport: cannot start the stream pump's thread")
    }

    /// Watches `descriptor` for a hang-up on behalf of `channel`; returns the token that names
    /// the stream in the pump's other calls, or nil if epoll refused the descriptor.
    func add(_ channel: ResponseChannel, descriptor: Int32) -> UInt64? {
        let token = nextToken.wrappingAdd(1, ordering: .relaxed).oldValue
        streams.withLock { $0[token] = channel }
        let events = UInt32(HYPER_EPOLLRDHUP)
        guard hyper_epoll_control(epoll, EPOLL_CTL_ADD, descriptor, events, token) == 0 else {
            _ = streams.withLock { $0.removeValue(forKey: token) }
            return nil
        }
        return token
    }

    /// Also watches `descriptor` for room to write, or stops doing so; false if epoll refused.
    func watchWritable(_ watch: Bool, descriptor: Int32, token: UInt64) -> Bool {
        let events = UInt32(HYPER_EPOLLRDHUP) | (watch ? UInt32(HYPER_EPOLLOUT) : 0)
        return hyper_epoll_control(epoll, EPOLL_CTL_MOD, descriptor, events, token) == 0
    }

    /// Stops watching `descriptor`; call it before closing the descriptor.
    func remove(descriptor: Int32, token: UInt64) {
        // Closing the descriptor, which follows, removes it from the set even if this failed.
        _ = hyper_epoll_control(epoll, EPOLL_CTL_DEL, descriptor, 0, 0)
        _ = streams.withLock { $0.removeValue(forKey: token) }
    }

    /// Closes the streams with the most bytes pending in `budget`, most first, until it holds
    /// again (`PendingBudget`).
    func closeLargest(within budget: PendingBudget) {
        guard budget.isExceeded else { return }
        let channels = streams.withLock { Array($0.values) }
        let largestFirst = channels.map { (channel: $0, pending: $0.pendingBytes(in: budget)) }
            .filter { $0.pending > 0 }
            .sorted { $0.pending > $1.pending }
        for entry in largestFirst {
            guard budget.isExceeded else { return }
            entry.channel.closeForBudget()
        }
    }

    private func run() {
        let capacity = 256
        var tokens = [UInt64](repeating: 0, count: capacity)
        var events = [UInt32](repeating: 0, count: capacity)
        let checkMilliseconds = Int32(Self.heartbeatCheckInterval / .milliseconds(1))
        var lastCheck = ContinuousClock.now
        while true {
            let count = hyper_epoll_wait(epoll, &tokens, &events, Int32(capacity), checkMilliseconds)
            for index in 0..<max(0, Int(count)) {
                guard let channel = streams.withLock({ $0[tokens[index]] }) else { continue }
                if events[index] & UInt32(HYPER_EPOLLRDHUP | HYPER_EPOLLHUP | HYPER_EPOLLERR) != 0 {
                    channel.connectionHungUp()
                } else if events[index] & UInt32(HYPER_EPOLLOUT) != 0 {
                    channel.connectionWritable()
                }
            }
            let now = ContinuousClock.now
            if now - lastCheck >= Self.heartbeatCheckInterval {
                lastCheck = now
                for channel in streams.withLock({ Array($0.values) }) { channel.sendHeartbeatIfDue(at: now) }
            }
        }
    }
}
