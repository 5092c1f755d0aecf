/// Where an event stream sends its Server-Sent Events, one `send` per event.
///
/// Each form of `send` is one event on the wire:
///
/// ```swift
/// try await events.send("<div>Connected</div>")                       // data: <div>Connected</div>
/// try await events.send("notification", notificationHTML)              // event: notification + data:
/// try await events.send("count", ["unread": 3])                        // event: count + data: {"unread":3}
/// try await events.send(ServerSentEvent(event: "update", data: ["count": 42], id: "7"))
/// ```
///
/// Each event is encoded whole and reaches the client in one piece. `send` suspends while the
/// client reads slower than the route sends (backpressure) and throws once the client has gone;
/// the route's task is cancelled then too. An event name or id that would split the stream
/// throws `ServerSentEventError` and sends nothing.
public struct EventSink: Sendable {
    private let writer: ResponseBodyWriter

    init(writer: ResponseBodyWriter) {
        self.writer = writer
    }

    /// Sends an event built in full: name, data, id, retry.
    public func send(_ event: ServerSentEvent) async throws {
        try await writer.write(event.encoded)
    }

    /// Sends bytes already in the wire format, one or more whole events.
    func write(_ encoded: [UInt8]) async throws {
        try await writer.write(encoded)
    }

    /// Sends HTML as an unnamed event (a `message` event in the browser).
    public func send(_ html: HTML) async throws {
        try await send(ServerSentEvent(data: html))
    }

    /// Sends HTML as an event named `event`.
    public func send(_ event: String, _ html: HTML) async throws {
        try await send(ServerSentEvent(event: event, data: html))
    }

    /// Sends text, as it is, as an event named `event`. Text needs its label: an unlabelled
    /// string literal is `HTML`, so `send("message", "<p>\(name)</p>")` escapes `name`.
    public func send(_ event: String, text: String) async throws {
        try await send(ServerSentEvent(event: event, data: text))
    }

    /// Sends `value` encoded as JSON as an event named `event`.
    ///
    /// Disfavoured so that a string literal is taken as `HTML` (escaped), never as a JSON string.
    @_disfavoredOverload
    public func send(_ event: String, _ value: some Encodable) async throws {
        try await send(ServerSentEvent(event: event, data: value))
    }

    /// Sends a comment, which the browser ignores (keeps proxies from timing out).
    public func comment(_ text: String) async throws {
        try await send(.comment(text))
    }
}
