import HyperTransport
import Logging

extension Application {
    /// Logs one line per request: method, path, status, bytes, duration; for a stream also how
    /// long it was open, how many writes it made and who ended it. The path's control characters
    /// are escaped, so that a client cannot forge log lines. An ordinary request slower
    /// than `Configuration.slowRequestThreshold` is also logged as a warning and counted. Below
    /// the info level no access-line work is done.
    func logAccess(
        method: String, path: String, logEntry: AccessLogEntry, outcome: ResponseOutcome,
        started: ContinuousClock.Instant
    ) {
        let duration = ContinuousClock.now - started
        let path = path.escapingControlCharacters
        if let threshold = configuration.slowRequestThreshold, duration > threshold, logEntry.stream == nil {
            slowRequests.add(1, ordering: .relaxed)
            logger.warning(
                "Hyper: slow request",
                metadata: [
                    "method": "\(method)", "path": "\(path)", "route": "\(logEntry.route ?? "-")",
                    "ms": "\(rounded(duration.milliseconds))",
                ])
        }
        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "status": "\(logEntry.status)", "bytes": "\(outcome.bytesWritten)",
            "ms": "\(rounded(duration.milliseconds))",
        ]
        if let route = logEntry.route { metadata["route"] = "\(route)" }
        if logEntry.clientDisconnected || outcome.clientDisconnected { metadata["client"] = "gone" }
        if let stream = logEntry.stream {
            metadata["stream_s"] = "\(rounded((ContinuousClock.now - stream.started).seconds))"
            metadata["writes"] = "\(stream.sent.writes)"
            if logEntry.endedByServer { metadata["ended"] = "shutdown" }
        }
        logger.info("\(method) \(path)", metadata: metadata)
    }

    private func rounded(_ value: Double) -> Double {
        (value * 1000).rounded() / 1000
    }
}
