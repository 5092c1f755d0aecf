/// A client's name for one publish, so that a retried publish is stored once: the client makes a
/// fresh key per message (a UUID, say) and sends the same key again when it retries.
///
/// A key is 1 to `maximumLength` visible ASCII characters (`!` to `~`). Keys are compared
/// exactly, per topic, for as long as the topic's history holds the message published with it.
///
/// ```swift
/// let id = try await rooms.publish(message, to: roomID, idempotencyKey: try request.idempotencyKey)
/// ```
public struct IdempotencyKey: Hashable, Sendable, CustomStringConvertible {
    /// The longest key, in characters.
    public static let maximumLength = 255

    /// The key as the client sent it.
    public let rawValue: String

    /// The key `value`; nil when it is empty, longer than `maximumLength` or holds anything but
    /// visible ASCII.
    public init?(_ value: some StringProtocol) {
        let utf8 = value.utf8
        guard (1...Self.maximumLength).contains(utf8.count),
            utf8.allSatisfy({ $0 >= UInt8(ascii: "!") && $0 <= UInt8(ascii: "~") })
        else { return nil }
        rawValue = String(value)
    }

    public var description: String { rawValue }
}
