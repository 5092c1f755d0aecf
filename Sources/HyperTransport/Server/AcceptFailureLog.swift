import Glibc
import Logging
import Synchronization

/// Logs failed `accept(2)` calls on one listening socket at most once a second, with the count
/// since the last line: every accepting thread retries every 10 ms while the cause (such as no
/// descriptor left) lasts.
final class AcceptFailureLog: Sendable {
    private struct Counts {
        var sinceLastLine = 0
        var lastLine: ContinuousClock.Instant?
    }

    private let socket: ListeningSocket
    private let logger: Logger
    private let counts = Mutex(Counts())

    init(socket: ListeningSocket, logger: Logger) {
        self.socket = socket
        self.logger = logger
    }

    /// Counts one failure with `errno` `code`, and logs it unless a line went out within a second.
    @Sendable func record(errno code: Int32) {
        let now = ContinuousClock.now
        let failures = counts.withLock { counts -> Int? in
            counts.sinceLastLine += 1
            if let last = counts.lastLine, now - last < .seconds(1) { return nil }
            defer { counts.sinceLastLine = 0 }
            counts.lastLine = now
            return counts.sinceLastLine
        }
        if let failures {
            logger.error(
                "HyperTransport: accept failed: \(String(cString: strerror(code)))",
                metadata: ["errno": "\(code)", "socket": "\(socket.address)", "failures": "\(failures)"])
        }
    }
}
