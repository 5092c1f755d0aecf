import Glibc

/// The web server's connection of a streaming response after its request thread let go of it:
/// the header block is sent, and the stream writes the rest on it itself, without blocking, in
/// the wire protocol's framing (FastCGI records, or SCGI's raw bytes), until it ends the request
/// and closes it.
///
/// Holding a stream this way costs a descriptor and a few hundred bytes, where a request thread
/// costs its stack and its buffers (libfcgi's 17 KiB); it is how one process holds ten thousand
/// streams. Not thread-safe: its `ResponseChannel` uses it under its lock.
struct StreamConnection {
    /// How a write attempt ended.
    enum WriteOutcome: Equatable {
        /// Everything pending was written.
        case drained
        /// The socket buffer is full; the rest waits until the connection is writable.
        case blocked
        /// The connection failed (the web server closed it).
        case failed
    }

    /// How the response's bytes are framed on the connection.
    enum Framing: Equatable {
        /// FastCGI standard-output records of this request; the end is an empty standard-output
        /// record and an end-request record.
        case fastCGIRecords(requestID: UInt16)
        /// The bytes as they are (SCGI); the end is closing the connection.
        case raw
    }

    let descriptor: Int32
    let framing: Framing
    /// Framed records not yet written, from `pendingStart` on.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    /// Body bytes handed to `append` so far.
    private(set) var bodyBytes = 0
    /// Whether the end of the request is framed (no more `append`).
    private(set) var isEnded = false

    /// Whether `descriptor` was made non-blocking: a stream must never block the task that
    /// writes it, so a connection that could not be is not handed off (`ResponseChannel.handOff`).
    let isNonBlocking: Bool

    /// Takes over `descriptor`, making it non-blocking.
    init(descriptor: Int32, framing: Framing) {
        self.descriptor = descriptor
        self.framing = framing
        let flags = fcntl(descriptor, F_GETFL)
        isNonBlocking = flags >= 0 && fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0
    }

    /// Bytes framed but not yet written.
    var pendingBytes: Int { pending.count - pendingStart }

    /// Frames `bytes` in the connection's framing.
    mutating func append(_ bytes: [UInt8]) {
        precondition(!isEnded, "HyperTransport: output after the end of the request")
        compact()
        guard case .fastCGIRecords(let requestID) = framing else {
            pending.append(contentsOf: bytes)
            bodyBytes += bytes.count
            return
        }
        if !bytes.isEmpty { FastCGIRecord.append(.stdout, requestID: requestID, content: bytes, to: &pending) }
        bodyBytes += bytes.count
    }

    /// Frames the end of the request. With FastCGI records: an empty standard-output record, then
    /// end-request with application status 0 and protocol status "request complete". Raw: nothing;
    /// the connection is closed once what is pending is written.
    mutating func appendEnd() {
        guard !isEnded else { return }
        isEnded = true
        guard case .fastCGIRecords(let requestID) = framing else { return }
        compact()
        FastCGIRecord.append(.stdout, requestID: requestID, content: [], to: &pending)
        FastCGIRecord.append(.endRequest, requestID: requestID, content: FastCGIRecord.endRequestBody(), to: &pending)
    }

    /// Writes as much of what is pending as the socket takes now.
    mutating func writePending() -> WriteOutcome {
        while pendingBytes > 0 {
            let written = pending.withUnsafeBytes { bytes in
                Glibc.write(descriptor, bytes.baseAddress! + pendingStart, pendingBytes)
            }
            if written > 0 {
                pendingStart += written
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return .blocked
            } else {
                return .failed
            }
        }
        return .drained
    }

    private mutating func compact() {
        if pendingStart == pending.count {
            pending.removeAll(keepingCapacity: pending.capacity <= 64 * 1024)
            pendingStart = 0
        }
    }
}
