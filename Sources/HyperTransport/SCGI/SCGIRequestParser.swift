/// Reads an SCGI request's header block as its bytes arrive, however they are cut: the netstring
/// `<length>:<block>,` whose block is NUL-terminated names and values, `CONTENT_LENGTH` first,
/// `SCGI` = `1` required. What follows the `,` is the body.
///
/// A request header (`HTTP_*`) may occur more than once: nginx passes a header the client sent
/// twice (two `Cookie` lines) as two parameters of the same name, and both are kept in order, to be
/// combined as HTTP combines repeated fields where the request reads them (`, `, or `; ` for
/// `Cookie`), as over FastCGI. Any other variable (`CONTENT_LENGTH`, `REQUEST_METHOD`, …) occurs at
/// most once: a second one is refused, since there is no telling which one the web server meant.
///
/// A pure state machine, without I/O: `SCGIExchange` feeds it what it reads. It never holds
/// more than `maximumHeaderBlockLength` bytes.
///
/// ```swift
/// var parser = SCGIRequestParser()
/// let used = try parser.consume(bytes)         // bytes[used...] start the body
/// if case .complete(let head) = parser.state { … head.contentLength … }
/// ```
struct SCGIRequestParser {
    /// The longest header block accepted. nginx sends a few hundred bytes plus the client's
    /// headers, which its own `large_client_header_buffers` limit (32 KiB by default).
    static let maximumHeaderBlockLength = 64 * 1024

    /// Where the parser is.
    enum State: Equatable {
        /// Reading the netstring's length: its value so far, and whether a digit was read.
        case length(Int, hasDigits: Bool)
        /// Reading the header block of this many bytes.
        case block(length: Int)
        /// Expecting the netstring's closing `,`.
        case comma
        /// The header block is whole and checked.
        case complete(SCGIRequestHead)
    }

    private(set) var state = State.length(0, hasDigits: false)
    private var block: [UInt8] = []
    /// Bytes consumed so far.
    private(set) var received = 0

    /// Takes bytes up to the end of the header block and returns how many it took; the rest
    /// belong to the body. Takes none once complete. Throws on the first byte that makes the
    /// request invalid; the parser must not be used after that.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(SCGIRequestError) -> Int {
        var index = 0
        while index < bytes.count {
            switch state {
            case .length(let value, let hasDigits):
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    if hasDigits && value == 0 { throw .lengthLeadingZero }
                    let length = value * 10 + Int(byte - UInt8(ascii: "0"))
                    guard length <= Self.maximumHeaderBlockLength else { throw .headerBlockTooLarge(atLeast: length) }
                    state = .length(length, hasDigits: true)
                case UInt8(ascii: ":"):
                    guard hasDigits else { throw .lengthMissing }
                    block.reserveCapacity(value)
                    state = value == 0 ? .comma : .block(length: value)
                default:
                    throw .lengthNotDecimal(byte)
                }
            case .block(let length):
                let taken = min(length - block.count, bytes.count - index)
                block.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + taken)]))
                index += taken
                if block.count == length { state = .comma }
            case .comma:
                let byte = bytes[index]
                index += 1
                guard byte == UInt8(ascii: ",") else { throw .missingComma(found: byte) }
                state = .complete(try Self.check(block))
                block = []
            case .complete:
                received += index
                return index
            }
        }
        received += index
        return index
    }

    /// Tells the parser the connection ended; throws unless the header block is whole.
    func endOfInput() throws(SCGIRequestError) {
        guard case .complete = state else { throw .endedEarly(received: received) }
    }

    /// Splits a whole header block into its parameters and checks them.
    static func check(_ block: [UInt8]) throws(SCGIRequestError) -> SCGIRequestHead {
        guard block.last == 0 || block.isEmpty else { throw .headerBlockNotTerminated }
        let strings = block.dropLast().split(separator: 0, omittingEmptySubsequences: false)
        var parameters: [SCGIRequestHead.Parameter] = []
        parameters.reserveCapacity(strings.count / 2)
        var names = Set<ArraySlice<UInt8>>()
        var index = block.isEmpty ? strings.endIndex : strings.startIndex
        while index < strings.endIndex {
            let name = strings[index]
            guard index + 1 < strings.endIndex else { throw .valueMissing(name: Array(name)) }
            guard !name.isEmpty else { throw .emptyName }
            guard isRequestHeader(name) || names.insert(name).inserted else { throw .duplicateName(Array(name)) }
            parameters.append(.init(name: Array(name), value: Array(strings[index + 1])))
            index += 2
        }
        guard let first = parameters.first, first.name == Array("CONTENT_LENGTH".utf8) else {
            throw .contentLengthNotFirst(found: parameters.first?.name ?? [])
        }
        guard let contentLength = decimal(first.value) else { throw .contentLengthInvalid(first.value) }
        guard let scgi = parameters.first(where: { $0.name == Array("SCGI".utf8) }) else { throw .scgiMissing }
        guard scgi.value == [UInt8(ascii: "1")] else { throw .scgiInvalid(scgi.value) }
        return SCGIRequestHead(parameters: parameters, contentLength: contentLength)
    }

    /// Whether `name` is a request header's (`HTTP_ACCEPT`), which may be repeated.
    private static func isRequestHeader(_ name: ArraySlice<UInt8>) -> Bool {
        name.count > 5 && name.starts(with: "HTTP_".utf8)
    }

    /// `123` → 123: one to 18 ASCII digits, nothing else.
    private static func decimal(_ digits: [UInt8]) -> Int? {
        guard (1...18).contains(digits.count) else { return nil }
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }
}
