import HyperTransport

/// Writes a streaming response body. Each `write` reaches the client at once.
///
/// `write` suspends while the client reads slower than the route writes (backpressure) and
/// throws `ClientDisconnectedError` once the client has gone; the route's task is cancelled then
/// too, so a route need not catch it. When the server shuts down, the stream is ended for the
/// route (its `StreamingBody.farewell` is written last) and the route's task is cancelled.
public struct ResponseBodyWriter: Sendable {
    private let send: @Sendable ([UInt8]) async throws -> Void

    /// A writer into the channel a request thread writes to the web server; `stream`, the
    /// stream's entry in the application's registry, counts what it sends.
    init(channel: ResponseChannel, stream: StreamRegistry.Entry? = nil) {
        send = { bytes in
            try await channel.send(bytes)
            stream?.recordWrite(bytes: bytes.count)
        }
    }

    /// A writer handing each chunk to `send`: to collect a body in memory or read it in a test.
    public init(send: @escaping @Sendable ([UInt8]) async throws -> Void) {
        self.send = send
    }

    /// Sends bytes.
    public func write(_ bytes: [UInt8]) async throws {
        try await send(bytes)
    }

    /// Sends a piece of HTML.
    public func write(_ html: HTML) async throws {
        try await send(html.bytes)
    }

    /// Sends text as UTF-8.
    public func write(_ text: String) async throws {
        try await send(Array(text.utf8))
    }
}
