/// Percent-encoding of URL path segments and query components, in one place, on UTF-8 bytes.
///
/// Every byte outside RFC 3986's unreserved set (`A`–`Z`, `a`–`z`, `0`–`9`, `-`, `.`, `_`, `~`)
/// is written as `%` and two uppercase hex digits, so the result holds no character a browser,
/// nginx or the query parser gives a meaning: `/`, `\`, `?`, `#`, `%`, `&`, `=`, `+`, space,
/// quotes and every non-ASCII byte are encoded. The same encoding serves a path segment and a
/// query name or value: `QueryParameters` decodes `%20` as a space as it does `+`.
enum PercentEncoding {
    /// Appends `text` to `url`, percent-encoded.
    static func append(encoding text: some StringProtocol, to url: inout [UInt8]) {
        for byte in text.utf8 {
            if isUnreserved(byte) {
                url.append(byte)
            } else {
                url.append(UInt8(ascii: "%"))
                url.append(hexDigit(byte >> 4))
                url.append(hexDigit(byte & 0x0F))
            }
        }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }
}
