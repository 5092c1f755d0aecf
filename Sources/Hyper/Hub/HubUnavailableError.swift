import HTTPTypes

/// A hub could not store a published message (its database is unreachable, say): the message
/// was published nowhere. A route that lets it propagate answers 503 and the app logs the cause.
public struct HubUnavailableError: HTTPResponseError, CustomStringConvertible {
    /// The topic the message was for, as text.
    public let topic: String
    /// Why the store refused, for the log.
    public let reason: String

    public init(topic: String, reason: String) {
        self.topic = topic
        self.reason = reason
    }

    public var description: String {
        "Hyper: cannot publish to topic \(topic.debugDescription): \(reason)"
    }

    public func response(for request: Request) -> Response {
        HTTPError(.serviceUnavailable, message: "Publishing is unavailable right now; try again shortly.")
            .response(for: request)
    }
}
