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
