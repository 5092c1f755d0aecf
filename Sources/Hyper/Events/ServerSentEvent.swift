#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One Server-Sent Event, and its encoding in the WHATWG `text/event-stream` format.
///
/// This file is Hyper's only SSE encoder. An event is encoded as:
/// - one `: ` line per line of `comment`;
/// - `event: name`, `id: value` and `retry: milliseconds` when set;
/// - one `data: ` line per line of `data` (an empty line is written as `data:`), so an empty
///   payload still sends `data:` and a payload ending in a line break ends with an empty `data:`
///   line; no data lines at all when `data` is nil;
/// - a blank line, which dispatches the event.
///
/// Lines are split on the bytes LF (0x0A) and CR (0x0D) only, CR LF counting as one break:
/// U+2028, U+0085, VT and FF stay inside a line. Event names and ids containing CR or LF, and ids
/// containing NUL, are refused when the event is made, so a stream is never split by a value.
///
/// ```swift
/// let event = try ServerSentEvent(event: "count", data: ["unread": 3])
/// // event: count
/// // data: {"unread":3}
/// //
/// ```
public struct ServerSentEvent: Sendable, Hashable {
    /// The event type (`event:`); nil dispatches a `message` event.
    public let event: String?
    /// The payload's UTF-8 bytes (`data:` lines); nil sends no data field (a comment alone).
    public let data: [UInt8]?
    /// The event id (`id:`) the browser sends back as `Last-Event-ID` when it reconnects.
    public let id: String?
    /// How long the browser waits before reconnecting (`retry:`), in whole milliseconds.
    public let retry: Duration?
    /// Comment lines (`: …`), ignored by the browser; used as heartbeats.
    public let comment: String?

    /// An event whose payload is text, sent as it is.
    public init(event: String? = nil, data: String, id: String? = nil, retry: Duration? = nil)
        throws(ServerSentEventError)
    {
        try self.init(event: event, bytes: Array(data.utf8), id: id, retry: retry, comment: nil)
    }

    /// An event whose payload is HTML (what htmx swaps into the page).
    public init(event: String? = nil, data: HTML, id: String? = nil, retry: Duration? = nil)
        throws(ServerSentEventError)
    {
        try self.init(event: event, bytes: data.bytes, id: id, retry: retry, comment: nil)
    }

    /// An event whose payload is `data` encoded as JSON on one line, keys sorted.
    public init(event: String? = nil, data: some Encodable, id: String? = nil, retry: Duration? = nil)
        throws(ServerSentEventError)
    {
        let json: Data
        do {
            json = try Self.jsonEncoder.encode(data)
        } catch {
            throw .dataNotEncodable(type: "\(type(of: data))", reason: "\(error)")
        }
        try self.init(event: event, bytes: Array(json), id: id, retry: retry, comment: nil)
    }

    /// A comment only, such as a heartbeat: `: text` lines, no data, nothing dispatched.
    public static func comment(_ text: String) -> ServerSentEvent {
        ServerSentEvent(checkedEvent: nil, data: nil, id: nil, retry: nil, comment: text)
    }

    /// Only a `retry:` field: tells the browser how long to wait before reconnecting.
    public static func retry(_ interval: Duration) throws(ServerSentEventError) -> ServerSentEvent {
        try ServerSentEvent(event: nil, bytes: nil, id: nil, retry: interval, comment: nil)
    }

    /// Only an `id:` field: the browser dispatches nothing but takes `id` as the last event id
    /// it sends back when it reconnects.
    public static func position(_ id: EventID) -> ServerSentEvent {
        ServerSentEvent(checkedEvent: nil, data: nil, id: id.description, retry: nil, comment: nil)
    }

    /// This event with its id replaced by `id`, which is checked as the initializers check it.
    public func with(id: String) throws(ServerSentEventError) -> ServerSentEvent {
        try ServerSentEvent(event: event, bytes: data, id: id, retry: retry, comment: comment)
    }

    /// The heartbeat comment a stream sends while it is idle.
    public static let heartbeat = ServerSentEvent.comment("heartbeat")

    /// The comment an event stream sends last when the server shuts down (`EventStream.farewell`).
    public static let shutdownNotice = ServerSentEvent.comment("server shutting down")

    private init(event: String?, bytes: [UInt8]?, id: String?, retry: Duration?, comment: String?)
        throws(ServerSentEventError)
    {
        if let event, event.utf8.contains(where: Self.isLineBreak) {
            throw .lineBreakInEventName(event)
        }
        if let id {
            if id.utf8.contains(where: Self.isLineBreak) { throw .lineBreakInID(id) }
            if id.utf8.contains(0) { throw .nulInID(id) }
        }
        if let retry, retry < .zero { throw .negativeRetry(retry) }
        self.init(checkedEvent: event, data: bytes, id: id, retry: retry, comment: comment)
    }

    private init(checkedEvent event: String?, data: [UInt8]?, id: String?, retry: Duration?, comment: String?) {
        self.event = event
        self.data = data
        self.id = id
        self.retry = retry
        self.comment = comment
    }

    /// The event in the wire format, ending with the blank line that dispatches it.
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity((data?.count ?? 0) + 32)
        if let comment {
            Self.appendLines(of: Array(comment.utf8), prefix: "", to: &bytes)
        }
        if let event {
            Self.appendField("event", Array(event.utf8), to: &bytes)
        }
        if let id {
            Self.appendField("id", Array(id.utf8), to: &bytes)
        }
        if let retry {
            let milliseconds = retry.components.seconds * 1000 + retry.components.attoseconds / 1_000_000_000_000_000
            Self.appendField("retry", Array(String(milliseconds).utf8), to: &bytes)
        }
        if let data {
            Self.appendLines(of: data, prefix: "data", to: &bytes)
        }
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// Appends `prefix: line` (or `prefix:` for an empty line) for each line of `text`; a comment
    /// has the empty prefix.
    private static func appendLines(of text: [UInt8], prefix: StaticString, to bytes: inout [UInt8]) {
        var lineStart = 0
        var index = 0
        while index < text.count {
            let byte = text[index]
            guard isLineBreak(byte) else {
                index += 1
                continue
            }
            appendField(prefix, text[lineStart..<index], to: &bytes)
            let crlf = byte == UInt8(ascii: "\r") && index + 1 < text.count && text[index + 1] == UInt8(ascii: "\n")
            index += crlf ? 2 : 1
            lineStart = index
        }
        appendField(prefix, text[lineStart..<text.count], to: &bytes)
    }

    /// Appends `name: value` and LF, or `name:` and LF when the value is empty.
    private static func appendField(_ name: StaticString, _ value: some Collection<UInt8>, to bytes: inout [UInt8]) {
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: ":"))
        if !value.isEmpty {
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: value)
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    private static func isLineBreak(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    private static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// An event that cannot be sent without splitting the stream, or whose data cannot be encoded.
public enum ServerSentEventError: Error, Equatable, CustomStringConvertible {
    /// The event name contains CR or LF.
    case lineBreakInEventName(String)
    /// The id contains CR or LF.
    case lineBreakInID(String)
    /// The id contains NUL, which browsers ignore the whole `id:` field for.
    case nulInID(String)
    /// `retry` is negative; the field takes digits only.
    case negativeRetry(Duration)
    /// JSON encoding of the data failed.
    case dataNotEncodable(type: String, reason: String)

    public var description: String {
        switch self {
        case .lineBreakInEventName(let name):
            "Hyper: refused SSE event name \(name.debugDescription): it contains CR or LF"
        case .lineBreakInID(let id):
            "Hyper: refused SSE id \(id.debugDescription): it contains CR or LF"
        case .nulInID(let id):
            "Hyper: refused SSE id \(id.debugDescription): it contains NUL"
        case .negativeRetry(let retry):
            "Hyper: refused SSE retry \(retry): it is negative"
        case .dataNotEncodable(let type, let reason):
            "Hyper: cannot encode SSE data of type \(type) as JSON: \(reason)"
        }
    }
}
