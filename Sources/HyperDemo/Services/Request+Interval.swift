import Hyper

extension Request {
    /// The interval a timed stream waits between events, from the query parameter `name` in
    /// milliseconds (10…60000), so tests can run fast; `fallback` when it is absent.
    func streamInterval(_ name: String = "interval_ms", default fallback: Duration) throws(HTTPError) -> Duration {
        guard let raw = query[name] else { return fallback }
        guard let milliseconds = Int(raw), (10...60_000).contains(milliseconds) else {
            throw HTTPError(
                .badRequest, message: "\(name) must be a whole number of milliseconds from 10 to 60000, not “\(raw)”.")
        }
        return .milliseconds(milliseconds)
    }
}

extension Request {
    /// This request's `interval_ms` as the query of a stream's URL, empty when it has none, so a
    /// page's stream runs at the pace the page was asked for (`/live-feed?interval_ms=200`
    /// connects to `/stream/feed?interval_ms=200`).
    func intervalQuery() throws(HTTPError) -> QueryParameters {
        guard query["interval_ms"] != nil else { return [:] }
        let interval = try streamInterval(default: .zero)
        return ["interval_ms": String(Int(interval / .milliseconds(1)))]
    }
}
