extension ServerStatus {
    /// The `Content-Type` of `prometheusText`.
    public static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The status in Prometheus' text exposition format (0.0.4). Streams are aggregated by route,
    /// since per-request series would grow without bound; the JSON lists each stream.
    public var prometheusText: String {
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { text += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        metric(
            "hyper_start_time_seconds", "gauge", "When the application started, in seconds since 1970.",
            [("", "\(startTime)")])
        metric("hyper_uptime_seconds", "gauge", "Seconds since the application started.", [("", "\(uptimeSeconds)")])
        metric(
            "hyper_requests_accepted_total", "counter", "Requests accepted since start.", [("", "\(acceptedRequests)")])
        metric(
            "hyper_requests_active", "gauge", "Requests being served, open streams included.",
            [("", "\(activeRequests)")])
        metric(
            "hyper_requests_slow_total", "counter", "Ordinary requests slower than the slow-request threshold.",
            [("", "\(slowRequests)")])
        metric(
            "hyper_threads", "gauge", "Request threads by state.",
            [("{state=\"busy\"}", "\(threads.busy)"), ("{state=\"idle\"}", "\(threads.idle)")])
        metric("hyper_threads_max", "gauge", "The most request threads allowed.", [("", "\(threads.max)")])
        var byRoute: [String: (count: Int, oldest: Double, events: Int, bytes: Int)] = [:]
        for stream in openStreams {
            var entry = byRoute[stream.route] ?? (0, 0, 0, 0)
            entry.count += 1
            entry.oldest = Swift.max(entry.oldest, stream.ageSeconds)
            entry.events += stream.events
            entry.bytes += stream.bytesSent
            byRoute[stream.route] = entry
        }
        let routes = byRoute.keys.sorted()
        metric(
            "hyper_streams_open", "gauge", "Open streams by route.", routes.map { (label($0), "\(byRoute[$0]!.count)") }
        )
        metric(
            "hyper_streams_oldest_age_seconds", "gauge", "Age of the oldest open stream by route.",
            routes.map { (label($0), "\(byRoute[$0]!.oldest)") })
        metric(
            "hyper_streams_events", "gauge", "Events sent so far by the open streams, by route.",
            routes.map { (label($0), "\(byRoute[$0]!.events)") })
        metric(
            "hyper_streams_sent_bytes", "gauge", "Body bytes sent so far by the open streams, by route.",
            routes.map { (label($0), "\(byRoute[$0]!.bytes)") })
        return text
    }

    /// `{route="…"}` with the value escaped as the format requires (`\`, `"`, line feed).
    private func label(_ route: String) -> String {
        var escaped = ""
        for character in route {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return "{route=\"\(escaped)\"}"
    }
}
