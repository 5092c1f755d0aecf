import HTTPTypes

/// A hub cannot tell whether a published message was stored: its database connection failed, or
/// no answer came in time, once the message was on its way to being committed. The message may
/// reach every subscriber, or none.
///
/// A route that lets it propagate answers **500** (never 503, which promises that nothing was
/// stored): a client that sent an `Idempotency-Key` may retry with the same key, which stores the
/// message at most once; any other client should look before it publishes again. The backend logs
/// a warning with the cause.
public struct HubPublishOutcomeUnknownError: HTTPResponseError, CustomStringConvertible {
    /// The topic the message was for, as text.
    public let topic: String
    /// What failed while the message was being stored, for the log.
    public let reason: String

    public init(topic: String, reason: String) {
        self.topic = topic
        self.reason = reason
    }

    public var description: String {
        "Hyper: publishing to topic \(topic.debugDescription) may or may not have succeeded: \(reason)"
    }

    public func response(for request: Request) -> Response {
        HTTPError(
            .internalServerError,
            message: "The message may or may not have been published. Retry with the same Idempotency-Key, "
                + "or check before publishing it again."
        ).response(for: request)
    }
}
