import HTTPTypes

/// The CGI response header block a FastCGI responder writes before the body:
/// `Status: 200 OK`, one line per field, then an empty line.
struct ResponseHead {
    /// Serialises `status` and `fields`. Throws if a field's name or value holds CR, LF or NUL,
    /// which would split the header: such a header is never written.
    static func serialize(status: HTTPResponse.Status, fields: HTTPFields) throws(ResponseHeadError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        bytes.append(contentsOf: "Status: \(status.code) \(status.reasonPhrase)\r\n".utf8)
        for field in fields {
            let name = field.name.rawName
            let value = field.value
            if let bad = name.utf8.first(where: isForbidden) ?? value.utf8.first(where: isForbidden) {
                throw ResponseHeadError(name: name, value: value, byte: bad)
            }
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }

    private static func isForbidden(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") || byte == 0
    }
}

/// A response header that would have split the header block.
public struct ResponseHeadError: Error, Equatable, CustomStringConvertible {
    public var name: String
    public var value: String
    public var byte: UInt8

    public var description: String {
        "Hyper: refused response header \(name.debugDescription) with value \(value.debugDescription): it contains byte 0x\(String(byte, radix: 16)) (CR, LF or NUL)"
    }
}
