/// A response body that is written while it is produced, each chunk reaching the client at once
/// (nginx is told not to buffer it).
public struct StreamingBody: Sendable {
    /// Bytes sent after the stream has been silent for the server's heartbeat interval, to keep
    /// proxies from timing out (an SSE comment). Nil sends nothing.
    public var heartbeat: [UInt8]?
    /// Writes the body.
    public var write: @Sendable (ResponseBodyWriter) async throws -> Void

    public init(heartbeat: [UInt8]? = nil, write: @escaping @Sendable (ResponseBodyWriter) async throws -> Void) {
        self.heartbeat = heartbeat
        self.write = write
    }
}
