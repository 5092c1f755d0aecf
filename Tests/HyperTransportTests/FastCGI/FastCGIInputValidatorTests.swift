import Testing

@testable import HyperTransport

@Suite("FastCGIInputValidator")
struct FastCGIInputValidatorTests {
    private static func record(
        _ type: UInt8, _ content: [UInt8], id: UInt16 = 1, version: UInt8 = 1, padding: UInt8 = 0
    ) -> [UInt8] {
        FastCGIRecord.Header(
            version: version, type: type, requestID: id, contentLength: content.count, paddingLength: Int(padding)
        ).bytes + content + [UInt8](repeating: 0, count: Int(padding))
    }

    private static func length(_ value: Int) -> [UInt8] {
        FastCGIRecord.encodedLength(value)
    }

    private static func pair(_ name: [UInt8], _ value: [UInt8]) -> [UInt8] {
        FastCGIRecord.encodedPairs([(name, value)])
    }

    private static let begin = record(1, [0, 1, 0, 0, 0, 0, 0, 0])

    /// A request as nginx sends it: begin, parameters over two records, body, padding included.
    private static let request: [UInt8] = {
        let parameters =
            pair(Array("REQUEST_METHOD".utf8), Array("GET".utf8))
            + pair(Array("HTTP_X_LONG".utf8), [UInt8](repeating: 0x61, count: 300))
        return begin + record(4, Array(parameters[..<100]), padding: 4) + record(4, Array(parameters[100...]))
            + record(4, []) + record(5, Array("body".utf8), padding: 4) + record(5, [])
    }()

    private func verdict(_ bytes: [UInt8], cutEvery size: Int? = nil) -> FastCGIInputValidator.Violation? {
        var validator = FastCGIInputValidator()
        var offset = 0
        while offset < bytes.count {
            let end = size.map { min(offset + $0, bytes.count) } ?? bytes.count
            var violation: FastCGIInputValidator.Violation?
            Array(bytes[offset..<end]).withUnsafeBytes { raw in
                do throws(FastCGIInputValidator.Violation) {
                    try validator.consume(raw)
                } catch {
                    violation = error
                }
            }
            if let violation { return violation }
            offset = end
        }
        do throws(FastCGIInputValidator.Violation) {
            try validator.endOfInput()
            return nil
        } catch {
            return error
        }
    }

    @Test("a well-formed request passes, however it is cut into reads")
    func acceptsRequestInAnyCut() {
        for size in [1, 2, 3, 7, 8, 9, 64, Self.request.count] {
            #expect(verdict(Self.request, cutEvery: size) == nil, "cut every \(size) bytes")
        }
    }

    @Test("a pair's two one-byte lengths read at once leave the check where reading them a byte at a time does")
    func oneByteLengthsAtOnce() {
        let parameters = FastCGIRecord.encodedPairs(
            (0..<40).map { (Array("HTTP_X_\($0)".utf8), [UInt8](repeating: 0x61, count: $0 * 5)) })
        let bytes = Self.begin + Self.record(4, parameters) + Self.record(4, [])
        var whole = FastCGIInputValidator()
        var byteByByte = FastCGIInputValidator()
        bytes.withUnsafeBytes { raw in
            #expect(throws: Never.self) { try whole.consume(raw) }
            for offset in 0..<raw.count {
                #expect(throws: Never.self) {
                    try byteByByte.consume(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 1)]))
                }
            }
        }
        #expect(whole == byteByByte)
        #expect(verdict(bytes) == nil)
    }

    @Test("lengths of 127 (one byte) and 128 (four bytes) are both read")
    func lengthBoundary() {
        for size in [127, 128] {
            let content = Self.pair([UInt8](repeating: 0x4E, count: size), [UInt8](repeating: 0x76, count: size))
            #expect(verdict(Self.begin + Self.record(4, content) + Self.record(4, [])) == nil)
        }
    }

    @Test("a name and value of 0x7ffffffe bytes (CVE-2025-23016) are refused at their lengths")
    func refusesOverflowingLengths() {
        let lengths = Self.length(0x7FFF_FFFE) + Self.length(0x7FFF_FFFE)
        #expect(verdict(Self.begin + Self.record(4, lengths)) == .nameOrValueTooLong(0x7FFF_FFFE))
        let longest = Self.length(FastCGIInputValidator.maximumLength + 1) + Self.length(0)
        #expect(
            verdict(Self.begin + Self.record(4, longest))
                == .nameOrValueTooLong(FastCGIInputValidator.maximumLength + 1))
    }

    @Test("more parameter bytes than the limit in one request are refused")
    func refusesTooManyParameterBytes() {
        let value = [UInt8](repeating: 0x61, count: 60_000)
        var bytes = Self.begin
        for _ in 0..<80 { bytes += Self.record(4, Self.pair([0x41], value)) }
        guard case .parametersTooLarge = verdict(bytes) else {
            Issue.record("4.8 MB of parameters passed")
            return
        }
    }

    @Test("a get-values record may ask for three variables, not four")
    func getValuesLimit() {
        let name = Array("FCGI_MPXS_CONNS".utf8)
        #expect(verdict(Self.record(9, Array(repeating: Self.pair(name, []), count: 3).flatMap { $0 }, id: 0)) == nil)
        #expect(
            verdict(Self.record(9, Array(repeating: Self.pair(name, []), count: 10).flatMap { $0 }, id: 0))
                == .tooManyValuesRequested(4))
    }

    @Test("version 2, a short begin-request and an abort of the current request are refused")
    func refusesOtherViolations() {
        #expect(verdict(Self.record(1, [0, 1, 0, 0, 0, 0, 0, 0], version: 2)) == .unsupportedVersion(2))
        #expect(verdict(Self.record(1, [0, 1])) == .beginRequestLength(2))
        #expect(verdict(Self.begin + Self.record(2, [])) == .abortedRequest(1))
        #expect(verdict(Self.begin + Self.record(2, [], id: 7)) == nil, "an abort of another request is libfcgi's")
    }

    @Test("the input may end between records only")
    func truncation() {
        for cut in 1..<Self.request.count {
            let boundary = verdict(Array(Self.request[..<cut])) == nil
            #expect(boundary == Self.recordEnds.contains(cut), "cut at \(cut)")
        }
    }

    @Test("a second begin-request neither moves the check to its request nor resets what was counted")
    func secondBeginChangesNothing() {
        // libfcgi keeps reading request 1 (and answers 2 with FCGI_CANT_MPX_CONN).
        let overflow = [UInt8]([0xC0, 0, 0, 0, 0xC0, 0, 0, 0])
        #expect(
            verdict(Self.begin + Self.record(1, [0, 1, 0, 0, 0, 0, 0, 0], id: 2) + Self.record(4, overflow))
                == .nameOrValueTooLong(0x4000_0000))
        // A begin-request every 3 MiB does not restart the parameter budget.
        let value = [UInt8](repeating: 0x61, count: 60_000)
        var bytes = Self.begin
        for round in 0..<3 {
            for _ in 0..<50 { bytes += Self.record(4, Self.pair([0x41], value)) }
            bytes += Self.record(1, [0, 1, 0, 0, 0, 0, 0, 0], id: UInt16(2 + round))
        }
        guard case .parametersTooLarge = verdict(bytes) else {
            Issue.record("9 MB of parameters passed behind begin-requests")
            return
        }
    }

    @Test("a NUL byte inside a parameter name or value is refused, however the input is cut")
    func refusesNUL() {
        let uri = Self.pair(Array("DOCUMENT_URI".utf8), Array("/about".utf8) + [0] + Array("x".utf8))
        for size in [1, 5, 64] {
            #expect(verdict(Self.begin + Self.record(4, uri) + Self.record(4, []), cutEvery: size) == .nulInParameter)
        }
        let name = Self.pair(Array("HTTP_A".utf8) + [0], Array("v".utf8))
        #expect(verdict(Self.begin + Self.record(4, name) + Self.record(4, [])) == .nulInParameter)
        #expect(verdict(Self.record(4, uri, id: 9)) == nil, "parameters of a request libfcgi skips are not decoded")
    }

    @Test("more than maximumParameters pairs in one request are refused")
    func refusesTooManyParameters() {
        let pairs = Array(repeating: Self.pair([0x41], []), count: FastCGIInputValidator.maximumParameters + 1)
            .flatMap { $0 }
        #expect(
            verdict(Self.begin + Self.record(4, pairs))
                == .tooManyParameters(FastCGIInputValidator.maximumParameters + 1))
        #expect(verdict(Self.begin + Self.record(4, Array(pairs.dropLast(3))) + Self.record(4, [])) == nil)
    }

    @Test("the request is whole once its body's empty record arrives, and not before")
    func wholeRequest() {
        var validator = FastCGIInputValidator()
        let beforeBodyEnd = Array(Self.request.dropLast(8))
        beforeBodyEnd.withUnsafeBytes { try? validator.consume($0) }
        #expect(!validator.hasWholeRequest)
        Array(Self.request.suffix(8)).withUnsafeBytes { try? validator.consume($0) }
        #expect(validator.hasWholeRequest)
    }

    /// Offsets in `request` where a record (with its padding) ends.
    private static let recordEnds: Set<Int> = {
        var ends: Set<Int> = []
        var offset = 0
        while offset < request.count {
            offset += 8 + (Int(request[offset + 4]) << 8 | Int(request[offset + 5])) + Int(request[offset + 6])
            ends.insert(offset)
        }
        return ends
    }()
}
