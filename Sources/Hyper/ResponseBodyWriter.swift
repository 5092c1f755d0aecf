import HyperFastCGI

/// Writes a streaming response body. Each `write` reaches the client at once.
///
/// `write` suspends while the client reads slower than the route writes (backpressure) and
/// throws `ClientDisconnectedError` once the client has gone; the route's task is cancelled then
/// too, so a route need not catch it.
public struct ResponseBodyWriter: Sendable {
    let channel: ResponseChannel

    /// Sends bytes.
    public func write(_ bytes: [UInt8]) async throws {
        try await channel.send(bytes)
    }

    /// Sends a piece of HTML.
    public func write(_ html: HTML) async throws {
        try await channel.send(html.bytes)
    }

    /// Sends text as UTF-8.
    public func write(_ text: String) async throws {
        try await channel.send(Array(text.utf8))
    }
}
