/// One request as the framework sees it, whatever the wire protocol: its CGI parameters and
/// body in, a response writer out, and the hand-off of a stream's connection to the process's
/// stream pump once its header block is out.
///
/// An exchange belongs to the request thread that calls the server's handler with it; it is
/// not `Sendable`, and must not be kept after the handler returns.
///
/// ```swift
/// let server = try TransportServer(socket: socket, configuration: .init(wireProtocol: .scgi), logger: logger) {
///     exchange in
///     exchange.writeResponse(Array("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhi".utf8))
/// }
/// ```
public protocol TransportExchange: AnyObject {
    /// Calls `body` with the name and value of every CGI parameter of the request
    /// (`REQUEST_METHOD`, `DOCUMENT_URI`, `HTTP_*`, …) as bytes, valid only during the call: the
    /// framework makes strings of only what it keeps.
    func forEachParameter<Failure: Error>(
        _ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure)

    /// Reads up to `limit` bytes of the request body; returns the bytes and whether the body
    /// ended cleanly, whole and within the limit.
    func readBody(limit: Int) -> (bytes: [UInt8], complete: Bool)

    /// Whether the web server aborted the request while its body was read: its client has
    /// gone, and no response is due.
    var requestWasAborted: Bool { get }

    /// Creates the buffer a route's task fills while the request thread writes it out.
    func makeResponseChannel(capacity: Int) -> ResponseChannel

    /// Writes what the route produces into `channel` (a CGI header block, then the body) until
    /// it finishes or the client hangs up, and reports how it ended to `whenDone`, once. A
    /// stream's connection is handed to the stream pump after its header block, and this
    /// returns at once: `whenDone` is then called from the thread that sees the stream end.
    func writeResponse(from channel: ResponseChannel, whenDone: @escaping @Sendable (ResponseOutcome) -> Void)

    /// Writes a complete response (CGI header block and body) that is already in memory.
    @discardableResult
    func writeResponse(_ bytes: [UInt8]) -> ResponseOutcome
}

extension TransportExchange {
    /// Creates the buffer a route's task fills, with room for 64 KiB before `send` waits.
    public func makeResponseChannel() -> ResponseChannel {
        makeResponseChannel(capacity: 64 * 1024)
    }
}
