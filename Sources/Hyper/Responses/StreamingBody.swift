import Synchronization

/// A response body that is written while it is produced, each chunk reaching the client at once
/// (nginx is told not to buffer it).
public struct StreamingBody: Sendable {
    /// Bytes sent after the stream has been silent for the server's heartbeat interval, to keep
    /// proxies from timing out (an SSE comment). Nil sends nothing.
    public var heartbeat: [UInt8]?
    /// Bytes written last when the server ends the stream because it is shutting down, such as
    /// an SSE event telling the page to reconnect (`event: restart\ndata: \n\n`) or a comment.
    /// Nil ends the stream with nothing more. Either way the request then ends cleanly.
    public var farewell: [UInt8]?
    /// Writes the body.
    public var write: @Sendable (ResponseBodyWriter) async throws -> Void
    /// The session the stream was opened with: it ends when the session does.
    var owner: Session?

    public init(
        heartbeat: [UInt8]? = nil, farewell: [UInt8]? = nil,
        write: @escaping @Sendable (ResponseBodyWriter) async throws -> Void
    ) {
        self.heartbeat = heartbeat
        self.farewell = farewell
        self.write = write
    }
}

extension StreamingBody {
    /// Runs the body in memory and returns what it wrote, one element per `write`: to test a
    /// stream without a server, or to answer in process.
    ///
    /// ```swift
    /// if case .stream(let body) = await app.response(for: request).body {
    ///     let events = try await body.collectChunks()
    /// }
    /// ```
    public func collectChunks() async throws -> [[UInt8]] {
        let chunks = Mutex<[[UInt8]]>([])
        try await write(ResponseBodyWriter { bytes in chunks.withLock { $0.append(bytes) } })
        return chunks.withLock { $0 }
    }
}
