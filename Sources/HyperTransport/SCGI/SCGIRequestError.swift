/// Why an SCGI request's header block was refused; each case carries the offending value.
enum SCGIRequestError: Error, Equatable, CustomStringConvertible {
    /// The netstring's length has this byte where a digit or `:` belongs.
    case lengthNotDecimal(UInt8)
    /// The netstring starts with `:`, no length.
    case lengthMissing
    /// The netstring's length has a leading zero, which netstrings forbid.
    case lengthLeadingZero
    /// The header block is announced longer than `SCGIRequestParser.maximumHeaderBlockLength`
    /// (at least this many bytes).
    case headerBlockTooLarge(atLeast: Int)
    /// The header block is followed by this byte instead of the netstring's `,`.
    case missingComma(found: UInt8)
    /// The header block does not end with a NUL.
    case headerBlockNotTerminated
    /// The last name of the header block has no value.
    case valueMissing(name: [UInt8])
    /// A name of the header block is empty.
    case emptyName
    /// The first name is not `CONTENT_LENGTH` (the name found; empty for an empty block).
    case contentLengthNotFirst(found: [UInt8])
    /// `CONTENT_LENGTH` is not a decimal number of at most 18 digits.
    case contentLengthInvalid([UInt8])
    /// No `SCGI` parameter.
    case scgiMissing
    /// `SCGI` is not `1`.
    case scgiInvalid([UInt8])
    /// A name other than a request header's (`HTTP_*`) occurs twice.
    case duplicateName([UInt8])
    /// The connection ended after this many bytes, before the header block was whole.
    case endedEarly(received: Int)

    var description: String {
        let why =
            switch self {
            case .lengthNotDecimal(let byte):
                "the netstring length has byte \(Self.hex(byte)) where a digit or ':' belongs"
            case .lengthMissing: "the netstring has no length before ':'"
            case .lengthLeadingZero: "the netstring length has a leading zero"
            case .headerBlockTooLarge(let length):
                "the header block is announced at \(length) bytes or more, over the \(SCGIRequestParser.maximumHeaderBlockLength)-byte limit"
            case .missingComma(let byte): "the header block is followed by \(Self.hex(byte)) instead of ','"
            case .headerBlockNotTerminated: "the header block does not end with a NUL"
            case .valueMissing(let name): "the header \(Self.printable(name)) has no value"
            case .emptyName: "a header name is empty"
            case .contentLengthNotFirst(let name): "the first header is \(Self.printable(name)), not CONTENT_LENGTH"
            case .contentLengthInvalid(let value): "CONTENT_LENGTH is \(Self.printable(value)), not a decimal number"
            case .scgiMissing: "the header SCGI is missing"
            case .scgiInvalid(let value): "SCGI is \(Self.printable(value)), not 1"
            case .duplicateName(let name): "the variable \(Self.printable(name)) occurs twice"
            case .endedEarly(let received):
                "the connection ended after \(received) bytes, before the header block was whole"
            }
        return "HyperSCGI: \(why)"
    }

    /// `0x0A`.
    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return "0x" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
    }

    /// A client's bytes, quoted, safe for a log line: printable ASCII as it is, every other byte
    /// as `\xNN`, cut after 64 bytes.
    private static func printable(_ bytes: [UInt8]) -> String {
        var text = "\""
        for byte in bytes.prefix(64) {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): text += "\\" + String(UnicodeScalar(byte))
            case UInt8(ascii: " ")...UInt8(ascii: "~"): text.append(Character(UnicodeScalar(byte)))
            default: text += "\\x" + hex(byte).dropFirst(2)
            }
        }
        return text + (bytes.count > 64 ? "\"…" : "\"")
    }
}
