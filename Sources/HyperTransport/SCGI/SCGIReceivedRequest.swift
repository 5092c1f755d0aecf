/// An SCGI request read whole by `SCGIIntake`, handed to a request thread with its connection:
/// the checked header block and the body bytes that arrived.
struct SCGIReceivedRequest {
    /// How the body ended.
    enum Body: Equatable {
        /// Exactly the `CONTENT_LENGTH` bytes arrived, and nothing past them so far.
        case whole
        /// `CONTENT_LENGTH` is over the body limit: the body was left unread.
        case overLimit
        /// More bytes arrived than `CONTENT_LENGTH` announced (at least this many).
        case longerThanAnnounced(received: Int)
        /// The connection ended, or the request timeout passed, before the body was whole.
        case cutShort
    }

    /// The connection, blocking, owned by whoever holds the request.
    var connection: Int32
    var head: SCGIRequestHead
    /// The body bytes read: all of them when `bodyEnd` is `whole`.
    var body: [UInt8]
    var bodyEnd: Body
}
