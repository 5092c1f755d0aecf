/// SCGI requests as raw bytes, to send what nginx never would (over a `RawFastCGIClient`
/// connection, whose socket calls know nothing of FastCGI).
enum RawSCGIRequest {
    /// `<length>:name\0value\0…,` then `body`.
    static func bytes(_ parameters: [(String, String)], body: [UInt8] = []) -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in parameters { block += Array(name.utf8) + [0] + Array(value.utf8) + [0] }
        return Array("\(block.count):".utf8) + block + [UInt8(ascii: ",")] + body
    }

    /// A GET of `path` as nginx sends it: `CONTENT_LENGTH` first, `SCGI` = `1`.
    static func get(_ path: String) -> [UInt8] {
        bytes([
            ("CONTENT_LENGTH", "0"), ("SCGI", "1"), ("REQUEST_METHOD", "GET"), ("REQUEST_URI", path),
            ("DOCUMENT_URI", path), ("QUERY_STRING", ""),
        ])
    }
}
