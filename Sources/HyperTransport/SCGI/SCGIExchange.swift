import Glibc

/// One SCGI request slot owned by a single request thread: it takes a request that
/// `SCGIIntake` has read whole, with its connection, and writes the response (a CGI header
/// block, then the body) in the connection's raw bytes. The SCGI side of the transport seam; the
/// pool, the response writing and the stream pump are the ones FastCGI uses.
///
/// SCGI carries one request per connection: the connection is closed when the response ends
/// (`finish()`), or by a stream's last write after its hand-off. Not `Sendable`: only its owning
/// thread may use it.
public final class SCGIExchange: PooledExchange {
    /// How much response output is gathered before it is written; `flush()` writes it sooner.
    static let outputBufferSize = 16 * 1024

    private let intake: SCGIIntake
    let wakeUp: WakeUpSignal

    /// The open connection, or -1.
    private var connection: Int32 = -1
    private var head: SCGIRequestHead?
    /// The body bytes the intake read, not yet handed out, and how the body ended.
    private var body: [UInt8] = []
    private var bodyEnd = SCGIReceivedRequest.Body.whole
    private var output: [UInt8] = []
    private var outputFailed = false

    /// Creates an exchange for the calling thread that takes its requests from `intake`. Nil
    /// when the process is out of descriptors for its wake-up signal.
    init?(intake: SCGIIntake) {
        guard let wakeUp = WakeUpSignal() else { return nil }
        self.wakeUp = wakeUp
        self.intake = intake
        output.reserveCapacity(Self.outputBufferSize)
    }

    deinit {
        closeConnection()
    }

    var holdsKeptConnection: Bool { connection >= 0 }

    var connectionDescriptor: Int32 { connection }

    private(set) var hasDrained = false

    /// Takes the next request read whole, waiting for one at most `ListeningSocket.acceptWaitLimit`.
    func acceptConnection() -> AcceptOutcome {
        precondition(connection < 0, "HyperSCGI: a connection is already open")
        switch intake.requests.take(within: ListeningSocket.acceptWaitLimit) {
        case .element(let request):
            connection = request.connection
            head = request.head
            body = request.body
            bodyEnd = request.bodyEnd
            outputFailed = false
            return .connection
        case .closed:
            hasDrained = true
            return .nothingQueued
        case .timedOut:
            return .nothingQueued
        }
    }

    /// The intake has read the request whole already.
    func readRequest() -> Bool {
        precondition(connection >= 0 && head != nil, "HyperSCGI: no request taken")
        return true
    }

    func closeConnection() {
        guard connection >= 0 else { return }
        Glibc.close(connection)
        connection = -1
        head = nil
        body = []
        output.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered, shuts the write side, waits briefly for the web server to close
    /// its side (see `ConnectionDrain`), and closes the connection: SCGI ends a response so.
    func finish() {
        guard connection >= 0 else { return }
        if flush() { ConnectionDrain.shutDownAndDrain(connection, requestReadWhole: bodyEnd == .whole) }
        closeConnection()
    }

    func releaseConnection() -> StreamConnection {
        precondition(connection >= 0 && output.isEmpty, "HyperSCGI: no flushed request to release")
        let released = StreamConnection(descriptor: connection, framing: .raw)
        connection = -1
        head = nil
        body = []
        return released
    }

    public func forEachParameter<Failure: Error>(
        _ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) {
        for parameter in head?.parameters ?? [] {
            // `withUnsafeBytes` rethrows untyped errors: the typed one is carried out by hand.
            var failure: Failure?
            parameter.name.withUnsafeBytes { name in
                parameter.value.withUnsafeBytes { value in
                    do throws(Failure) { try body(name, value) } catch { failure = error }
                }
            }
            if let failure { throw failure }
        }
    }

    /// The body `CONTENT_LENGTH` announced, as the intake read it: complete when it arrived
    /// whole and is at most `limit` bytes. Incomplete when the peer closed early or was late, when
    /// more bytes came than announced (then more are returned than `CONTENT_LENGTH`), or when the
    /// body is over the limit (left unread).
    public func readBody(limit: Int) -> (bytes: [UInt8], complete: Bool) {
        guard let head else { return ([], false) }
        defer { body = [] }
        return (body, bodyEnd == .whole && head.contentLength <= limit)
    }

    /// SCGI has no way for the web server to abort a request but closing the connection.
    public var requestWasAborted: Bool { false }

    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !outputFailed, connection >= 0 else { return false }
        if output.count + bytes.count > Self.outputBufferSize && !flush() { return false }
        if bytes.count >= Self.outputBufferSize { return writeAll(bytes) }
        output.append(contentsOf: bytes)
        return true
    }

    func flush() -> Bool {
        guard !outputFailed, connection >= 0 else { return false }
        guard !output.isEmpty else { return true }
        defer { output.removeAll(keepingCapacity: true) }
        return output.withUnsafeBytes { writeAll($0) }
    }

    /// Writes all of `bytes` on the (blocking) connection; false, for good, once a write fails.
    private func writeAll(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = send(connection, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                outputFailed = true
                return false
            }
        }
        return true
    }

    public func makeResponseChannel(capacity: Int) -> ResponseChannel {
        makeChannel(capacity: capacity)
    }

    public func writeResponse(
        from channel: ResponseChannel, whenDone: @escaping @Sendable (ResponseOutcome) -> Void
    ) {
        writeChannel(from: channel, whenDone: whenDone)
    }

    @discardableResult
    public func writeResponse(_ bytes: [UInt8]) -> ResponseOutcome {
        writeBytes(bytes)
    }
}
