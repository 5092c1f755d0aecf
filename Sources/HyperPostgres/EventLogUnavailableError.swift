import Hyper

/// The event log could not be reached: the database is down, refused the connection or did not
/// answer in time. A route that publishes answers 503 with `Retry-After`, so the client may retry.
public struct EventLogUnavailableError: HTTPResponseError, Equatable, CustomStringConvertible {
    /// What was attempted, such as `append to room-1`.
    public let operation: String
    /// What went wrong, as the database client reported it.
    public let cause: String

    public init(operation: String, cause: String) {
        self.operation = operation
        self.cause = cause
    }

    public var description: String { "HyperPostgres: the database is unavailable (\(operation)): \(cause)" }

    public func response(for request: Request) -> Response {
        HTTPError(
            .serviceUnavailable, message: "The message could not be stored; please try again.",
            headerFields: [.retryAfter: "1"]
        ).response(for: request)
    }
}
