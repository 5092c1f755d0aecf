import Glibc
import Synchronization

/// The streaming responses an application is serving, and the one count of them: a stream is
/// admitted here within the server's stream limit before its header is written, and stays until
/// its response has ended on the wire (its connection closed, or its client gone). The status
/// page and the server's figures list and count them from here; a shutdown ends them all at
/// once, cleanly, and waits for them here.
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
        private let farewell: [UInt8]
        private let endStream: @Sendable ([UInt8]) -> Void

        /// `end` ends the stream after what it has sent and the bytes it is given.
        init(
            route: String, path: String, started: ContinuousClock.Instant, farewell: [UInt8],
            end: @escaping @Sendable ([UInt8]) -> Void
        ) {
            self.route = route
            self.path = path
            self.started = started
            self.farewell = farewell
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

        /// Ends the stream from outside its route, with its farewell.
        func end() {
            endStream(farewell)
        }

        /// Ends the stream from outside its route, with `last` as its last bytes.
        func end(sending last: [UInt8]) {
            endStream(last)
        }
    }

    /// Whether a stream was admitted.
    enum Admission: Equatable {
        case admitted
        /// `limit` streams are open: answer 503.
        case full
        /// `endAll` has run: the server is shutting down, end the stream at once.
        case closed
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var isClosed = false
    }

    private let state = Mutex(State())

    /// Registers a stream unless `limit` streams are open or `endAll` has run.
    func admit(_ entry: Entry, within limit: Int) -> Admission {
        state.withLock { state in
            guard !state.isClosed else { return .closed }
            guard state.entries.count < limit else { return .full }
            state.entries[ObjectIdentifier(entry)] = entry
            return .admitted
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

    /// How many streams are open.
    var count: Int {
        state.withLock { $0.entries.count }
    }

    /// The open streams, oldest first.
    var entries: [Entry] {
        state.withLock { Array($0.entries.values) }.sorted { $0.started < $1.started }
    }

    /// Blocks the calling thread (never a task's) until no stream is open or `deadline` has
    /// passed; returns whether none is.
    func waitUntilEmpty(before deadline: ContinuousClock.Instant) -> Bool {
        while count > 0 {
            guard ContinuousClock.now < deadline else { return false }
            usleep(5_000)
        }
        return true
    }
}
