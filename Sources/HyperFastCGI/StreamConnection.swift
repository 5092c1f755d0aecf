import Glibc

/// The web server's connection of a streaming response after its request thread let go of it:
/// libfcgi has sent the header block and forgotten the connection, and the stream writes its own
/// FastCGI records on it, without blocking, until it sends the end of the request and closes it.
///
/// Holding a stream this way costs a descriptor and a few hundred bytes, where a request thread
/// costs its stack and libfcgi's 17 KiB of buffers; it is how one process holds ten thousand
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

    let descriptor: Int32
    /// The FastCGI request the records belong to.
    let requestID: UInt16
    /// Framed records not yet written, from `pendingStart` on.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    /// Body bytes handed to `append` so far.
    private(set) var bodyBytes = 0
    /// Whether the end of the request is framed (no more `append`).
    private(set) var isEnded = false

    /// Takes over `descriptor`, making it non-blocking.
    init(descriptor: Int32, requestID: UInt16) {
        self.descriptor = descriptor
        self.requestID = requestID
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    /// Bytes framed but not yet written.
    var pendingBytes: Int { pending.count - pendingStart }

    /// Frames `bytes` as standard-output records.
    mutating func append(_ bytes: [UInt8]) {
        precondition(!isEnded, "HyperFastCGI: output after the end of the request")
        compact()
        var offset = 0
        while offset < bytes.count {
            let length = min(bytes.count - offset, Int(UInt16.max))
            appendHeader(type: Self.standardOutput, contentLength: length)
            pending.append(contentsOf: bytes[offset..<(offset + length)])
            offset += length
        }
        bodyBytes += bytes.count
    }

    /// Frames the end of the request: an empty standard-output record, then end-request with
    /// application status 0 and protocol status "request complete".
    mutating func appendEnd() {
        guard !isEnded else { return }
        compact()
        appendHeader(type: Self.standardOutput, contentLength: 0)
        appendHeader(type: Self.endRequest, contentLength: 8)
        pending.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        isEnded = true
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

    private mutating func appendHeader(type: UInt8, contentLength: Int) {
        pending.append(contentsOf: [
            1, type, UInt8(requestID >> 8), UInt8(requestID & 0xFF),
            UInt8(contentLength >> 8), UInt8(contentLength & 0xFF), 0, 0,
        ])
    }

    private static let standardOutput: UInt8 = 6
    private static let endRequest: UInt8 = 3
}
