/// The header block of an SCGI request, checked: its parameters in order, `CONTENT_LENGTH`
/// (always the first) and `SCGI` among them.
struct SCGIRequestHead: Equatable {
    /// One name and value of the block.
    struct Parameter: Equatable {
        var name: [UInt8]
        var value: [UInt8]
    }

    /// Every parameter, in the order the web server sent them.
    var parameters: [Parameter]
    /// The body's length in bytes, from `CONTENT_LENGTH`.
    var contentLength: Int
}
