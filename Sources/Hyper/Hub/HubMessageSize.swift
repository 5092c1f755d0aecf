/// A hub message that reports how many bytes it holds, for its topic's history to count
/// (`HubHistory.maximumMessageBytes`, `HistoryBudget`).
///
/// ```swift
/// struct ChatMessage: Sendable, HubMessageSize {
///     let user: String
///     let text: String
///     var byteSize: Int { user.utf8.count + text.utf8.count }
/// }
/// ```
///
/// An in-memory hub counts a message of any other type as its inline size
/// (`MemoryLayout.size`), which leaves out what it holds on the heap: a type whose messages
/// carry text or data should conform.
public protocol HubMessageSize {
    /// The bytes the message holds, its text and data: roughly what keeping it costs.
    var byteSize: Int { get }
}

extension String: HubMessageSize {
    /// The length of its UTF-8 form.
    public var byteSize: Int { utf8.count }
}

extension Array: HubMessageSize where Element == UInt8 {
    /// Its count.
    public var byteSize: Int { count }
}

extension HTML: HubMessageSize {
    /// The length of its bytes.
    public var byteSize: Int { bytes.count }
}
