import Testing

@testable import HyperTransport

@Suite("FastCGI records")
struct FastCGIRecordTests {
    @Test(
        "records are framed byte for byte: header, content, padding; content over 65,535 bytes is split",
        arguments: [
            (FastCGIRecord.RecordType.stdout, 1, [UInt8](Array("hi".utf8)), false, [1, 6, 0, 1, 0, 2, 0, 0, 0x68, 0x69]),
            (.stdout, 1, Array("hi".utf8), true, [1, 6, 0, 1, 0, 2, 6, 0, 0x68, 0x69, 0, 0, 0, 0, 0, 0]),
            (.stdout, 258, [], false, [1, 6, 1, 2, 0, 0, 0, 0]),
            (.params, 1, Array("12345678".utf8), true, [1, 4, 0, 1, 0, 8, 0, 0] + Array("12345678".utf8)),
            (.endRequest, 7, FastCGIRecord.endRequestBody(), false, [1, 3, 0, 7, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            (.beginRequest, 1, FastCGIRecord.beginRequestBody(keepConnection: true), false,
             [1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]),
        ] as [(FastCGIRecord.RecordType, UInt16, [UInt8], Bool, [UInt8])])
    func framing(type: FastCGIRecord.RecordType, requestID: UInt16, content: [UInt8], padded: Bool, expected: [UInt8]) {
        #expect(FastCGIRecord.records(type, requestID: requestID, content: content, padded: padded) == expected)
    }

    @Test("65,536 bytes of content make a full record and a one-byte record; the decoder reads both back")
    func split() {
        let content = (0..<65_536).map { UInt8(truncatingIfNeeded: $0) }
        let bytes = FastCGIRecord.records(.stdout, requestID: 3, content: content)
        #expect(bytes.count == 8 + 65_535 + 8 + 1)
        #expect(Array(bytes[0..<8]) == [1, 6, 0, 3, 0xFF, 0xFF, 0, 0])
        #expect(Array(bytes[(8 + 65_535)..<(16 + 65_535)]) == [1, 6, 0, 3, 0, 1, 0, 0])
        let records = FastCGIRecord.decode(bytes)
        #expect(records.map(\.header.contentLength) == [65_535, 1])
        #expect(records.flatMap(\.content) == content)
    }

    @Test(
        "name–value lengths take one byte below 128 and four bytes with the high bit from 128 on",
        arguments: [
            (0, [0]), (127, [127]), (128, [0x80, 0, 0, 128]), (65_535, [0x80, 0, 0xFF, 0xFF]),
            (0x7FFF_FFFF, [0xFF, 0xFF, 0xFF, 0xFF]),
        ] as [(Int, [UInt8])])
    func lengths(length: Int, expected: [UInt8]) {
        #expect(FastCGIRecord.encodedLength(length) == expected)
    }

    @Test("pairs are lengths, then the name, then the value")
    func pairs() {
        #expect(
            FastCGIRecord.encodedPairs([(Array("A".utf8), Array("bc".utf8)), (Array("D".utf8), [])])
                == [1, 2, 0x41, 0x62, 0x63, 1, 0, 0x44])
    }

    @Test("a header round-trips through its packed form; the decoder stops before a partial record")
    func headerAndPartialRecords() {
        let header = FastCGIRecord.Header(type: 5, requestID: 0xABCD, contentLength: 0x1234, paddingLength: 7)
        let packed = header.bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(FastCGIRecord.Header(packed: packed) == header)
        let whole = FastCGIRecord.records(.stdin, requestID: 1, content: [1, 2, 3])
        #expect(FastCGIRecord.decode(whole + whole.dropLast()).count == 1)
        #expect(FastCGIRecord.decode(Array(whole.prefix(7))).isEmpty)
    }
}
