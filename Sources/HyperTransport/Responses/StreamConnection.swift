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
    /// Framed records not yet written; large content is held by reference, not copied.
    private var pending: PendingOutput
    /// Body bytes handed to `append` so far.
    private(set) var bodyBytes = 0
    /// Whether the end of the request is framed (no more `append`).
    private(set) var isEnded = false

    /// Whether `descriptor` was made non-blocking: a stream must never block the task that
    /// writes it, so a connection that could not be is not handed off (`ResponseChannel.handOff`).
    let isNonBlocking: Bool

    /// Takes over `descriptor`, making it non-blocking; what waits to be written counts in
    /// `budget`.
    init(descriptor: Int32, framing: Framing, budget: PendingBudget = .shared) {
        self.descriptor = descriptor
        self.framing = framing
        pending = PendingOutput(budget: budget)
        let flags = fcntl(descriptor, F_GETFL)
        isNonBlocking = flags >= 0 && fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0
    }

    /// Bytes framed but not yet written.
    var pendingBytes: Int { pending.count }

    /// Where what waits to be written counts.
    var budget: PendingBudget { pending.budget }

    /// Frames `bytes` in the connection's framing. Content of `PendingOutput.sharingThreshold`
    /// bytes or more is queued by reference to `bytes`' storage, so streams sending the same
    /// array (a hub message's cached encoding) hold it once between them.
    mutating func append(_ bytes: [UInt8]) {
        precondition(!isEnded, "HyperTransport: output after the end of the request")
        bodyBytes += bytes.count
        var hold: ChunkHold?
        guard case .fastCGIRecords(let requestID) = framing else {
            pending.append(bytes[...], of: bytes, hold: &hold)
            return
        }
        var rest = bytes[...]
        while !rest.isEmpty {
            let part = rest.prefix(FastCGIRecord.maximumContentLength)
            rest = rest.dropFirst(part.count)
            let header = FastCGIRecord.Header(
                type: FastCGIRecord.RecordType.stdout.rawValue, requestID: requestID, contentLength: part.count,
                paddingLength: 0)
            pending.append(copying: header.bytes)
            pending.append(part, of: bytes, hold: &hold)
        }
    }

    /// Frames the end of the request. With FastCGI records: an empty standard-output record, then
    /// end-request with application status 0 and protocol status "request complete". Raw: nothing;
    /// the connection is closed once what is pending is written.
    mutating func appendEnd() {
        guard !isEnded else { return }
        isEnded = true
        guard case .fastCGIRecords(let requestID) = framing else { return }
        var records: [UInt8] = []
        FastCGIRecord.append(.stdout, requestID: requestID, content: [], to: &records)
        FastCGIRecord.append(.endRequest, requestID: requestID, content: FastCGIRecord.endRequestBody(), to: &records)
        pending.append(copying: records)
    }

    /// Writes as much of what is pending as the socket takes now.
    mutating func writePending() -> WriteOutcome {
        pending.write(to: descriptor)
    }
}
