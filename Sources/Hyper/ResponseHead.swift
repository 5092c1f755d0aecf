import HTTPTypes

/// The CGI response header block written before the body, over FastCGI and SCGI alike:
/// `Status: 200 OK`, one line per field, then an empty line.
///
/// `HTTPFields` never holds CR, LF or NUL (swift-http-types turns them into spaces, and
/// `Response.setHeader` refuses them), so no field can split the block.
enum ResponseHead {
    static func serialize(status: HTTPResponse.Status, fields: HTTPFields) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        bytes.append(contentsOf: "Status: \(status.code) \(status.reasonPhrase)\r\n".utf8)
        for field in fields {
            bytes.append(contentsOf: field.name.rawName.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: field.value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }
}
