import HTTPTypes

/// A message larger than its hub's `HubHistory.maximumMessageBytes` was published: it was
/// published nowhere. A route that lets it propagate answers 413.
public struct HubMessageTooLargeError: HTTPResponseError, Equatable, CustomStringConvertible {
    /// The topic the message was for, as text.
    public let topic: String
    /// The message's size in bytes (`HubMessageSize`).
    public let size: Int
    /// The most bytes one message may have.
    public let limit: Int

    public init(topic: String, size: Int, limit: Int) {
        self.topic = topic
        self.size = size
        self.limit = limit
    }

    public var description: String {
        "Hyper: a message of \(size) bytes for topic \(topic.debugDescription) exceeds the limit of \(limit) bytes"
    }

    public func response(for request: Request) -> Response {
        HTTPError(.contentTooLarge, message: "The message is larger than \(limit) bytes.").response(for: request)
    }
}
