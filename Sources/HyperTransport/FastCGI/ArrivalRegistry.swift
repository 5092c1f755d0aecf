import Synchronization

/// The FastCGI requests still arriving on fresh connections, each read by the request thread that
/// will serve it (libfcgi reads a request on its own thread): past `limit` of them, the oldest is
/// told to give up, and its thread closes the connection and goes back to serving. So peers that
/// connect and stall hold at most `limit` threads, and the rest of the pool serves everyone else.
///
/// Connections nginx keeps are not counted: their later requests are read on the thread that
/// holds them, as nginx sends them, whole.
final class ArrivalRegistry: Sendable {
    /// One request counted while it arrives; `LibfcgiReadGate` watches its wake-up signal.
    final class Ticket: Sendable {
        let serial: UInt64
        /// Signalled when the request is told to give up.
        let wakeUp: WakeUpSignal
        private let evictedFlag = Atomic<Bool>(false)

        init(serial: UInt64, wakeUp: WakeUpSignal) {
            self.serial = serial
            self.wakeUp = wakeUp
        }

        /// Whether the request was told to give up, as the oldest past the limit.
        var isEvicted: Bool { evictedFlag.load(ordering: .acquiring) }

        fileprivate func evict() {
            evictedFlag.store(true, ordering: .releasing)
            wakeUp.signal()
        }
    }

    private struct State {
        var tickets: [UInt64: Ticket] = [:]
        var nextSerial: UInt64 = 0
        /// No ticket older than this serial is still counted.
        var oldestSerial: UInt64 = 0
        var evictedSinceLog = 0
        var lastLog: ContinuousClock.Instant?
    }

    /// The most requests arriving at once before the oldest is told to give up.
    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Counts a request arriving on the thread that `wakeUp` wakes; past the limit, the oldest
    /// counted request is told to give up. Returns how many were told to give up since the last
    /// time a count was returned, at most once a second (for a warning), or nil.
    func register(wakeUp: WakeUpSignal) -> (ticket: Ticket, evictedToLog: Int?) {
        state.withLock { state in
            let ticket = Ticket(serial: state.nextSerial, wakeUp: wakeUp)
            state.nextSerial += 1
            state.tickets[ticket.serial] = ticket
            if state.tickets.count > limit {
                while state.tickets[state.oldestSerial] == nil { state.oldestSerial += 1 }
                state.tickets.removeValue(forKey: state.oldestSerial)?.evict()
                state.evictedSinceLog += 1
            }
            let now = ContinuousClock.now
            guard state.evictedSinceLog > 0, state.lastLog.map({ now - $0 >= .seconds(1) }) ?? true else {
                return (ticket, nil)
            }
            defer { state.evictedSinceLog = 0 }
            state.lastLog = now
            return (ticket, state.evictedSinceLog)
        }
    }

    /// Stops counting `ticket`'s request (it arrived whole, or ended); clears its wake-up signal
    /// if it was told to give up meanwhile, so that the thread's next wait does not wake for it.
    func unregister(_ ticket: Ticket) {
        let evicted = state.withLock { state in
            state.tickets.removeValue(forKey: ticket.serial) == nil
        }
        if evicted && ticket.isEvicted { ticket.wakeUp.clear() }
    }

    /// Requests counted now.
    var count: Int { state.withLock { $0.tickets.count } }
}
