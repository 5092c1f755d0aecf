/// One SCGI request still arriving on its connection, read as its bytes come, however they are
/// cut: the header block (`SCGIRequestParser`), then the body `CONTENT_LENGTH` announces, if it
/// is within the body limit. A pure state machine, without I/O: `SCGIIntake` feeds it what it
/// reads without blocking, and hands the request to a thread once it is whole.
///
/// ```swift
/// var arriving = SCGIArrivingRequest(bodyLimit: 1 << 20)
/// switch arriving.receive(bytes) {
/// case .needsMore: break                        // wait for the connection to be readable again
/// case .whole(let head, let body, let end): …   // hand it to a request thread
/// case .refused(let error): …                   // log `error` and close
/// }
/// ```
struct SCGIArrivingRequest {
    /// What the bytes received so far make of the request.
    enum Progress: Equatable {
        /// The request is not whole yet.
        case needsMore
        /// The request is whole: its head, its body bytes, and how the body ended.
        case whole(SCGIRequestHead, body: [UInt8], end: SCGIReceivedRequest.Body)
        /// The header block is invalid, or the connection ended inside it.
        case refused(SCGIRequestError)
        /// The connection ended before a single byte: nothing to answer or to log.
        case closedSilently
    }

    /// The largest body read; a longer announced one is left unread (`overLimit`).
    let bodyLimit: Int
    private var parser = SCGIRequestParser()
    private var head: SCGIRequestHead?
    private var body: [UInt8] = []

    init(bodyLimit: Int) {
        self.bodyLimit = bodyLimit
    }

    /// Bytes received so far, header block and body.
    var received: Int { parser.received + body.count }

    /// Takes the bytes that arrived next and says whether the request is whole.
    mutating func receive(_ bytes: UnsafeRawBufferPointer) -> Progress {
        var rest = bytes
        if head == nil {
            do throws(SCGIRequestError) {
                let used = try parser.consume(bytes)
                rest = UnsafeRawBufferPointer(rebasing: bytes[used...])
            } catch {
                return .refused(error)
            }
            guard case .complete(let complete) = parser.state else { return .needsMore }
            head = complete
            guard complete.contentLength <= bodyLimit else {
                return .whole(complete, body: Array(rest), end: .overLimit)
            }
            body.reserveCapacity(complete.contentLength)
        }
        guard let head else { return .needsMore }
        body.append(contentsOf: rest)
        if body.count > head.contentLength {
            return .whole(head, body: body, end: .longerThanAnnounced(received: body.count))
        }
        return body.count == head.contentLength ? .whole(head, body: body, end: .whole) : .needsMore
    }

    /// Whether the header block is whole (the body may still be arriving).
    var headIsWhole: Bool { head != nil }

    /// The connection ended (the peer shut its side) before the request was whole: a body cut
    /// short is handed on, to be answered 400; a header block cut short is refused.
    func ended() -> Progress {
        if let head { return .whole(head, body: body, end: .cutShort) }
        return parser.received == 0 ? .closedSilently : .refused(.endedEarly(received: parser.received))
    }
}
