/// The id of a message in a `Hub` topic, sent to the browser as the event's `id:` and sent back
/// as `Last-Event-ID` (or `?after=`) when it resumes.
///
/// Ids are whole numbers from 0 to `Int64.max`, written in decimal. Within a topic they strictly
/// increase in publishing order; they need not be consecutive (a backend may draw them from one
/// sequence shared by all topics). 0 is never a message's id: it stands for "before everything".
public struct EventID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The id as a number.
    public let rawValue: Int64

    /// The id `rawValue`; nil when it is negative.
    public init?(rawValue: Int64) {
        guard rawValue >= 0 else { return nil }
        self.rawValue = rawValue
    }

    /// The id written as `text`: 1 to 19 ASCII digits whose value fits in `Int64`. Anything else
    /// (a sign, spaces, a fraction, a larger value) is nil.
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard (1...19).contains(utf8.count) else { return nil }
        var value: Int64 = 0
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return nil }
            value = sum
        }
        rawValue = value
    }

    /// The position before any message.
    public static let zero = EventID(rawValue: 0)!

    public var description: String { String(rawValue) }

    public static func < (lhs: EventID, rhs: EventID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(Int64.self)
        guard let id = EventID(rawValue: value) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "Hyper: event id \(value) is negative"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
