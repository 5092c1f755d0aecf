import Synchronization

/// The streaming responses an application is serving: listed by the status page, and ended
/// cleanly, all at once, when the server shuts down.
final class StreamRegistry: Sendable {
    /// One open stream: where it came from, what it has sent, and how to end it.
    final class Entry: Sendable {
        /// The route's pattern, such as `/sse`.
        let route: String
        /// The request's path.
        let path: String
        /// When the stream's header was sent.
        let started: ContinuousClock.Instant
        private let counters = Mutex<(writes: Int, bytes: Int)>((0, 0))
        private let endStream: @Sendable () -> Void

        init(
            route: String, path: String, started: ContinuousClock.Instant,
            end: @escaping @Sendable () -> Void
        ) {
            self.route = route
            self.path = path
            self.started = started
            self.endStream = end
        }

        /// Counts one write (an event or a chunk) of `bytes` bytes.
        func recordWrite(bytes: Int) {
            counters.withLock {
                $0.writes += 1
                $0.bytes += bytes
            }
        }

        /// Writes made and body bytes sent so far.
        var sent: (writes: Int, bytes: Int) {
            counters.withLock { $0 }
        }

        /// Ends the stream from outside its route.
        func end() {
            endStream()
        }
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var isClosed = false
    }

    private let state = Mutex(State())

    /// Registers a stream; returns false, registering nothing, once `endAll` has run: the caller
    /// must then end the stream itself at once.
    func add(_ entry: Entry) -> Bool {
        state.withLock { state in
            guard !state.isClosed else { return false }
            state.entries[ObjectIdentifier(entry)] = entry
            return true
        }
    }

    /// Forgets a stream that has ended.
    func remove(_ entry: Entry) {
        _ = state.withLock { $0.entries.removeValue(forKey: ObjectIdentifier(entry)) }
    }

    /// Refuses new streams and ends every open one; returns how many were open.
    @discardableResult
    func endAll() -> Int {
        let open = state.withLock { state in
            state.isClosed = true
            return Array(state.entries.values)
        }
        for entry in open { entry.end() }
        return open.count
    }

    /// The open streams, oldest first.
    var entries: [Entry] {
        state.withLock { Array($0.entries.values) }.sorted { $0.started < $1.started }
    }
}
