import HyperTransport
import Logging

extension Application {
    /// Logs one line per request: method, path, status, bytes, duration; for a stream also how
    /// long it was open, how many writes it made and who ended it. The path's control characters
    /// are escaped, so that a client cannot forge log lines. An ordinary request slower
    /// than `Configuration.slowRequestThreshold` is also logged as a warning and counted. Below
    /// the info level no access-line work is done.
    func logAccess(
        method: String, path: String, record: ResponseRecord, outcome: ResponseOutcome, started: ContinuousClock.Instant
    ) {
        let duration = ContinuousClock.now - started
        let path = path.escapingControlCharacters
        if let threshold = configuration.slowRequestThreshold, duration > threshold, record.stream == nil {
            slowRequests.add(1, ordering: .relaxed)
            logger.warning(
                "Hyper: slow request",
                metadata: [
                    "method": "\(method)", "path": "\(path)", "route": "\(record.route ?? "-")",
                    "ms": "\(rounded(duration.milliseconds))",
                ])
        }
        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "status": "\(record.status)", "bytes": "\(outcome.bytesWritten)", "ms": "\(rounded(duration.milliseconds))",
        ]
        if let route = record.route { metadata["route"] = "\(route)" }
        if record.clientDisconnected || outcome.clientDisconnected { metadata["client"] = "gone" }
        if let stream = record.stream {
            metadata["stream_s"] = "\(rounded((ContinuousClock.now - stream.started).seconds))"
            metadata["writes"] = "\(stream.sent.writes)"
            if record.endedByServer { metadata["ended"] = "shutdown" }
        }
        logger.info("\(method) \(path)", metadata: metadata)
    }

    private func rounded(_ value: Double) -> Double {
        (value * 1000).rounded() / 1000
    }
}
