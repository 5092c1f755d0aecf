import Hyper

/// An append that was sent but never answered: the connection failed, the server ended the
/// session, or the answer did not come in time. The event may be in the log, or not. A route that lets it through answers
/// 500, which a client can tell from the 503 of `EventLogUnavailableError` (nothing stored).
public struct EventLogOutcomeUnknownError: HTTPResponseError, Equatable, CustomStringConvertible {
    /// What was attempted, such as `append to room-1`.
    public let operation: String
    /// What went wrong once the append was sent.
    public let cause: String

    public init(operation: String, cause: String) {
        self.operation = operation
        self.cause = cause
    }

    public var description: String {
        "HyperPostgres: the outcome is unknown (\(operation)): the append was sent, then \(cause)"
    }

    public func response(for request: Request) -> Response {
        HubPublishOutcomeUnknownError(topic: operation, reason: cause).response(for: request)
    }
}
