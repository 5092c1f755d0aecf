import Hyper

/// A topic the event log cannot hold. A route that publishes to it answers 400.
public struct PostgresTopicError: HTTPResponseError, Equatable, CustomStringConvertible {
    /// Why the topic was refused.
    public enum Reason: Sendable, Equatable {
        /// Longer than `PostgresEventLog.maximumTopicLength` bytes of UTF-8.
        case tooLong
        /// PostgreSQL text cannot hold NUL.
        case containsNUL
    }

    /// The refused topic.
    public let topic: String
    public let reason: Reason

    public var description: String {
        switch reason {
        case .tooLong:
            "HyperPostgres: topic of \(topic.utf8.count) bytes is longer than \(PostgresEventLog.maximumTopicLength)"
        case .containsNUL: "HyperPostgres: topic \(topic.debugDescription) contains NUL"
        }
    }

    public func response(for request: Request) -> Response {
        HTTPError(.badRequest, message: "This topic cannot be used.").response(for: request)
    }
}
