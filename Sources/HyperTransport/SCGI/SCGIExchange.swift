import Glibc
import Logging

/// One SCGI request slot owned by a single request thread: it accepts a connection, reads the
/// request's header block and body within the request timeout, and writes the response (a CGI
/// header block, then the body) in the connection's raw bytes. The SCGI side of the transport
/// seam; the pool, the response writing and the stream pump are the ones FastCGI uses.
///
/// SCGI carries one request per connection: the connection is closed when the response ends
/// (`finish()`), or by a stream's last write after its hand-off. Not `Sendable`: only its owning
/// thread may use it.
public final class SCGIExchange: PooledExchange {
    /// How much response output is gathered before it is written; `flush()` writes it sooner.
    static let outputBufferSize = 16 * 1024

    private let listeningDescriptor: Int32
    private let listensOnTCP: Bool
    private let requestTimeout: Duration
    private let logger: Logger
    let wakeUp: WakeUpSignal

    /// The open connection, or -1.
    private var connection: Int32 = -1
    /// When the current request must have arrived whole.
    private var deadline = ContinuousClock.now
    private var head: SCGIRequestHead?
    /// Body bytes read together with the header block, not yet handed out.
    private var bodyStart: [UInt8] = []
    /// Whether the request's body was read to its announced end, and no byte past it arrived.
    private var requestReadWhole = false
    private var output: [UInt8] = []
    private var outputFailed = false

    /// Creates an exchange for the calling thread that accepts connections on
    /// `listeningDescriptor` and allows each request `requestTimeout` to arrive whole. Nil when
    /// the process is out of descriptors for its wake-up signal.
    init?(
        listeningDescriptor: Int32, listensOnTCP: Bool, requestTimeout: Duration,
        logger: Logger
    ) {
        guard let wakeUp = WakeUpSignal() else { return nil }
        self.wakeUp = wakeUp
        self.listeningDescriptor = listeningDescriptor
        self.listensOnTCP = listensOnTCP
        self.requestTimeout = requestTimeout
        self.logger = logger
        output.reserveCapacity(Self.outputBufferSize)
    }

    deinit {
        closeConnection()
    }

    var holdsKeptConnection: Bool { connection >= 0 }

    var connectionDescriptor: Int32 { connection }

    func acceptConnection() -> AcceptOutcome {
        precondition(connection < 0, "HyperSCGI: a connection is already open")
        let outcome = AcceptOutcome.accept(on: listeningDescriptor, isTCP: listensOnTCP, into: &connection)
        if outcome == .connection { deadline = .now + requestTimeout }
        return outcome
    }

    /// Reads the header block, and the body bytes that came with it, before the deadline. A peer
    /// that closes before sending anything is let go silently; any other failure is logged as
    /// one warning naming the cause, and the connection is closed.
    func readRequest() -> Bool {
        precondition(connection >= 0 && head == nil, "HyperSCGI: no connection to read a request from")
        requestReadWhole = false
        var parser = SCGIRequestParser()
        var buffer = [UInt8](repeating: 0, count: 8 * 1024)
        do throws(SCGIRequestError) {
            while true {
                let read = buffer.withUnsafeMutableBytes { readBeforeDeadline(into: $0) }
                if read == 0 {
                    guard parser.received > 0 else {
                        closeConnection()
                        return false
                    }
                    try parser.endOfInput()
                }
                guard read > 0 else {
                    let code = errno
                    return refuse(
                        code == ETIMEDOUT
                            ? "HyperSCGI: the request did not arrive whole within \(requestTimeout)"
                            : "HyperSCGI: reading the request failed: \(String(cString: strerror(code)))")
                }
                let used = try buffer.withUnsafeBytes { bytes in
                    Result { () throws(SCGIRequestError) in
                        try parser.consume(UnsafeRawBufferPointer(rebasing: bytes[..<read]))
                    }
                }.get()
                if case .complete(let head) = parser.state {
                    self.head = head
                    bodyStart = Array(buffer[used..<read])
                    outputFailed = false
                    return true
                }
            }
        } catch {
            return refuse(error.description)
        }
    }

    /// Logs why the request was refused and closes its connection.
    private func refuse(_ why: String) -> Bool {
        logger.warning("HyperSCGI: refused an SCGI peer", metadata: ["why": "\(why)"])
        closeConnection()
        return false
    }

    /// Reads what is there, else waits for the connection to become readable until the deadline;
    /// fails with `ETIMEDOUT` once it has passed.
    private func readBeforeDeadline(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let result = recv(connection, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            guard result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) else { return result }
            let left = deadline - .now
            guard left > .zero else {
                errno = ETIMEDOUT
                return -1
            }
            var readable = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            _ = poll(&readable, 1, Int32(min(left / .milliseconds(1), 86_400_000)) + 1)
        }
    }

    func closeConnection() {
        guard connection >= 0 else { return }
        Glibc.close(connection)
        connection = -1
        head = nil
        bodyStart = []
        output.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered, shuts the write side, waits briefly for the web server to close
    /// its side (see `ConnectionDrain`), and closes the connection: SCGI ends a response so.
    func finish() {
        guard connection >= 0 else { return }
        if flush() { ConnectionDrain.shutDownAndDrain(connection, requestReadWhole: requestReadWhole) }
        closeConnection()
    }

    func releaseConnection() -> StreamConnection {
        precondition(connection >= 0 && output.isEmpty, "HyperSCGI: no flushed request to release")
        let released = StreamConnection(descriptor: connection, framing: .raw)
        connection = -1
        head = nil
        bodyStart = []
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

    /// Reads the body `CONTENT_LENGTH` announced, if it is at most `limit` bytes, before the
    /// request's deadline. Incomplete when the peer closed early or was late (logged), or when
    /// the body is over the limit (left unread).
    public func readBody(limit: Int) -> (bytes: [UInt8], complete: Bool) {
        guard let head else { return ([], false) }
        guard head.contentLength <= limit else { return (bodyStart, false) }
        var bytes = bodyStart
        bodyStart = []
        guard bytes.count <= head.contentLength else { return (bytes, false) }
        var buffer = [UInt8](repeating: 0, count: min(64 * 1024, max(head.contentLength - bytes.count, 1)))
        while bytes.count < head.contentLength {
            let wanted = min(buffer.count, head.contentLength - bytes.count)
            let read = buffer.withUnsafeMutableBytes {
                readBeforeDeadline(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<wanted]))
            }
            guard read > 0 else {
                if read < 0 && errno == ETIMEDOUT {
                    logger.warning(
                        "HyperSCGI: refused an SCGI peer",
                        metadata: ["why": "HyperSCGI: the request body did not arrive whole within \(requestTimeout)"])
                }
                return (bytes, false)
            }
            bytes.append(contentsOf: buffer[..<read])
        }
        requestReadWhole = true
        return (bytes, true)
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
