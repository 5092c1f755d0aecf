import Testing

@testable import HyperTransport

@Suite("SCGIRequestParser")
struct SCGIRequestParserTests {
    /// `name\0value\0` for each pair, framed as a netstring.
    private static func netstring(_ pairs: [(String, String)]) -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in pairs { block += Array(name.utf8) + [0] + Array(value.utf8) + [0] }
        return Array("\(block.count):".utf8) + block + [UInt8(ascii: ",")]
    }

    /// The request of the SCGI specification's example.
    private static let specExample: [UInt8] = Array(
        "70:CONTENT_LENGTH\u{0}27\u{0}SCGI\u{0}1\u{0}REQUEST_METHOD\u{0}POST\u{0}REQUEST_URI\u{0}/deepthought\u{0},What is the answer to life?"
            .utf8)

    private enum Outcome: Equatable {
        case complete(SCGIRequestHead, bodyStart: [UInt8])
        case incomplete
        case refused(SCGIRequestError)
    }

    /// Feeds `bytes` in pieces of `size` (whole if nil), then the end of input if `ends`.
    private func parse(_ bytes: [UInt8], cutEvery size: Int? = nil, ends: Bool = true) -> Outcome {
        var parser = SCGIRequestParser()
        var offset = 0
        while offset < bytes.count {
            let end = size.map { min(offset + $0, bytes.count) } ?? bytes.count
            let piece = Array(bytes[offset..<end])
            let result = piece.withUnsafeBytes { raw in
                Result { () throws(SCGIRequestError) in try parser.consume(raw) }
            }
            switch result {
            case .failure(let error): return .refused(error)
            case .success(let used):
                if case .complete(let head) = parser.state {
                    return .complete(head, bodyStart: Array(piece[used...] + bytes[end...]))
                }
                #expect(used == piece.count, "an incomplete header block takes every byte")
            }
            offset = end
        }
        guard ends else { return .incomplete }
        do throws(SCGIRequestError) {
            try parser.endOfInput()
            return .incomplete
        } catch {
            return .refused(error)
        }
    }

    private static func parameter(_ name: String, _ value: String) -> SCGIRequestHead.Parameter {
        .init(name: Array(name.utf8), value: Array(value.utf8))
    }

    @Test("the specification's example: four parameters in order, the body after the comma")
    func specificationExample() {
        let expected = SCGIRequestHead(
            parameters: [
                Self.parameter("CONTENT_LENGTH", "27"), Self.parameter("SCGI", "1"),
                Self.parameter("REQUEST_METHOD", "POST"), Self.parameter("REQUEST_URI", "/deepthought"),
            ],
            contentLength: 27)
        #expect(parse(Self.specExample) == .complete(expected, bodyStart: Array("What is the answer to life?".utf8)))
    }

    @Test("the same verdict however the bytes are cut", arguments: [1, 2, 3, 7, 69, 70, 71, 72, 73])
    func cutAnywhere(size: Int) {
        #expect(parse(Self.specExample, cutEvery: size) == parse(Self.specExample))
    }

    @Test("an empty value and a value with '=' and ':' are kept as they are")
    func unusualValues() {
        let bytes = Self.netstring([("CONTENT_LENGTH", "0"), ("SCGI", "1"), ("QUERY_STRING", ""), ("X", "a=b:c")])
        guard case .complete(let head, let body) = parse(bytes) else {
            Issue.record("refused")
            return
        }
        #expect(head.parameters[2] == Self.parameter("QUERY_STRING", ""))
        #expect(head.parameters[3] == Self.parameter("X", "a=b:c"))
        #expect(body.isEmpty)
    }

    @Test("a header block of exactly 64 KiB is accepted; one byte more is refused at its length")
    func headerBlockLimit() {
        let fixed = Array("CONTENT_LENGTH\u{0}0\u{0}SCGI\u{0}1\u{0}X\u{0}".utf8)
        let block = fixed + [UInt8](repeating: UInt8(ascii: "a"), count: 65_536 - fixed.count - 1) + [0]
        let framed = Array("65536:".utf8) + block + Array(",".utf8)
        guard case .complete(let head, _) = parse(framed, cutEvery: 1000) else {
            Issue.record("a 64 KiB block was refused")
            return
        }
        #expect(head.parameters.last?.value.count == 65_536 - fixed.count - 1)
        #expect(parse(Array("65537:".utf8)) == .refused(.headerBlockTooLarge(atLeast: 65_537)))
        #expect(parse(Array("999999999999999999999".utf8)) == .refused(.headerBlockTooLarge(atLeast: 99_999)))
    }

    @Test(
        "malformed netstrings are refused at the offending byte",
        arguments: [
            ("abc:", SCGIRequestError.lengthNotDecimal(UInt8(ascii: "a"))),
            (":", .lengthMissing),
            ("01:", .lengthLeadingZero),
            ("-1:", .lengthNotDecimal(UInt8(ascii: "-"))),
            (" 1:", .lengthNotDecimal(UInt8(ascii: " "))),
            ("0:;", .missingComma(found: UInt8(ascii: ";"))),
            ("0:,", .contentLengthNotFirst(found: [])),
            ("3:abc,", .headerBlockNotTerminated),
            ("4:abc\u{0},", .valueMissing(name: Array("abc".utf8))),
            ("3:\u{0}a\u{0},", .emptyName),
        ])
    func malformed(input: String, error: SCGIRequestError) {
        #expect(parse(Array(input.utf8)) == .refused(error))
    }

    @Test("CONTENT_LENGTH must come first and be 1 to 18 decimal digits")
    func contentLength() {
        #expect(
            parse(Self.netstring([("SCGI", "1"), ("CONTENT_LENGTH", "0")]))
                == .refused(.contentLengthNotFirst(found: Array("SCGI".utf8))))
        for bad in ["", "-1", "+1", "1 ", "0x10", "1e3", "1234567890123456789"] {
            #expect(
                parse(Self.netstring([("CONTENT_LENGTH", bad), ("SCGI", "1")]))
                    == .refused(.contentLengthInvalid(Array(bad.utf8))), "\(bad)")
        }
        guard
            case .complete(let head, _) = parse(
                Self.netstring([("CONTENT_LENGTH", "123456789012345678"), ("SCGI", "1")]))
        else {
            Issue.record("18 digits refused")
            return
        }
        #expect(head.contentLength == 123_456_789_012_345_678)
    }

    @Test("SCGI must be present and be 1; no variable but a request header may occur twice")
    func scgiAndDuplicates() {
        #expect(parse(Self.netstring([("CONTENT_LENGTH", "0")])) == .refused(.scgiMissing))
        #expect(
            parse(Self.netstring([("CONTENT_LENGTH", "0"), ("SCGI", "2")])) == .refused(.scgiInvalid(Array("2".utf8))))
        for repeated in ["CONTENT_LENGTH", "SCGI", "REQUEST_METHOD", "DOCUMENT_URI", "HTTP_", "HTTP"] {
            let fields = [("CONTENT_LENGTH", "0"), ("SCGI", "1"), (repeated, "a"), (repeated, "b")]
            #expect(parse(Self.netstring(fields)) == .refused(.duplicateName(Array(repeated.utf8))), "\(repeated)")
        }
    }

    @Test("a repeated request header is kept twice, in order, as nginx sent it")
    func repeatedHeaders() {
        let fields = [
            ("CONTENT_LENGTH", "0"), ("SCGI", "1"), ("HTTP_COOKIE", "a=1"), ("HTTP_ACCEPT", "text/html"),
            ("HTTP_COOKIE", "b=2"),
        ]
        guard case .complete(let head, _) = parse(Self.netstring(fields)) else {
            Issue.record("a repeated Cookie header was refused")
            return
        }
        #expect(head.parameters.map { String(decoding: $0.name, as: UTF8.self) } == fields.map(\.0))
        #expect(head.parameters.map { String(decoding: $0.value, as: UTF8.self) } == fields.map(\.1))
    }

    @Test("a connection that ends inside the header block is refused with the count of bytes received")
    func endedEarly() {
        #expect(parse(Array(Self.specExample[..<40]), cutEvery: 7) == .refused(.endedEarly(received: 40)))
        #expect(parse(Array("70".utf8)) == .refused(.endedEarly(received: 2)))
        #expect(parse(Array(Self.specExample[..<40]), ends: false) == .incomplete)
    }

    @Test("refusals name the offending value, escaped for a log line")
    func descriptions() {
        #expect(
            SCGIRequestError.contentLengthInvalid(Array("1\n2\u{1B}".utf8)).description
                == #"HyperSCGI: CONTENT_LENGTH is "1\x0A2\x1B", not a decimal number"#)
        #expect(
            SCGIRequestError.lengthNotDecimal(0x0A).description
                == "HyperSCGI: the netstring length has byte 0x0A where a digit or ':' belongs")
        #expect(
            SCGIRequestError.duplicateName([UInt8](repeating: UInt8(ascii: "A"), count: 70)).description
                == "HyperSCGI: the variable \"\(String(repeating: "A", count: 64))\"… occurs twice")
    }
}
