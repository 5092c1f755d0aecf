import Glibc
import HTTPTypes
import HyperTransport

extension Application {
    /// What the status page shows now; nil until `run` has started serving.
    public var status: ServerStatus? {
        guard let server = runningServer.withLock({ $0 }) else { return nil }
        let now = ContinuousClock.now
        let uptime = ((now - started).seconds * 1000).rounded() / 1000
        let statistics = server.statistics
        return ServerStatus(
            startTime: time(nil) - Int(uptime.rounded()),
            uptimeSeconds: uptime,
            acceptedRequests: statistics.acceptedRequests,
            activeRequests: statistics.busy + streams.count,
            slowRequests: slowRequests.load(ordering: .relaxed),
            threads: .init(
                total: statistics.threads, busy: statistics.busy, idle: statistics.threads - statistics.busy,
                max: server.maxThreads),
            openStreams: streams.entries.map { entry in
                let sent = entry.sent
                return .init(
                    route: entry.route, path: entry.path,
                    ageSeconds: ((now - entry.started).seconds * 1000).rounded() / 1000, events: sent.writes,
                    bytesSent: sent.bytes)
            })
    }

    /// The status page for a request to `Configuration.statusPath`, nil for any other request.
    /// A route of the app at the same path takes precedence.
    ///
    /// JSON by default (`?json`); Prometheus' text format for `?prometheus` (or `?openmetrics`)
    /// and for a scraper whose `Accept` asks for it. Restrict who may reach the path in nginx.
    func statusResponse(for request: Request) -> Response? {
        guard let statusPath = configuration.statusPath, request.path == statusPath else { return nil }
        guard request.method == .get || request.method == .head else {
            return methodNotAllowed([.get, .head], request: request)
        }
        guard let status else { return HTTPError(.serviceUnavailable).response(for: request) }
        let accept = request.header(.accept) ?? ""
        let wantsPrometheus =
            request.query["prometheus"] != nil || request.query["openmetrics"] != nil
            || accept.contains("application/openmetrics-text") || accept.contains("version=0.0.4")
        if wantsPrometheus {
            return Response(
                headerFields: [.contentType: ServerStatus.prometheusContentType, .cacheControl: "no-store"],
                body: .bytes(Array(status.prometheusText.utf8)))
        }
        return Response(
            headerFields: [.contentType: MediaType.json, .cacheControl: "no-store"], body: .bytes(status.json))
    }
}
