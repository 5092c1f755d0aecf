// libFuzzer entry point for `SCGIRequestParser`, compiled together with
// Sources/HyperTransport/SCGI/SCGIRequest{Parser,Error,Head}.swift by scripts/fuzz-scgi-input.
//
// The first input byte picks how the rest is cut into reads; the parser must never crash, must
// never hold more than its header limit, and must reach the same verdict, the same header and the
// same first body bytes however the bytes are cut.

/// What a parser made of an input: the header and the bytes it left for the body, or its refusal.
private struct Verdict: Equatable {
    var head: SCGIRequestHead?
    var bodyStart: [UInt8] = []
    var error: SCGIRequestError?
}

private func parse(_ input: UnsafeRawBufferPointer, cutEvery chunkSize: Int) -> Verdict {
    var parser = SCGIRequestParser()
    var offset = 0
    do throws(SCGIRequestError) {
        while offset < input.count {
            let end = min(offset + chunkSize, input.count)
            let used = try parser.consume(UnsafeRawBufferPointer(rebasing: input[offset..<end]))
            if case .complete(let head) = parser.state {
                return Verdict(head: head, bodyStart: Array(input[(offset + used)...]))
            }
            precondition(used == end - offset, "an incomplete header block takes every byte")
            offset = end
        }
        try parser.endOfInput()
        preconditionFailure("endOfInput accepted an incomplete header block")
    } catch {
        return Verdict(error: error)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSCGIRequestParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 1 else { return 0 }
    let chunkSize = Int(data[0] % 31) + 1
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let whole = parse(input, cutEvery: input.count)
    let pieces = parse(input, cutEvery: chunkSize)
    precondition(whole == pieces, "the verdict depends on how the input is cut")
    if let head = whole.head {
        precondition(head.parameters.first?.name == Array("CONTENT_LENGTH".utf8), "CONTENT_LENGTH is not first")
        precondition(head.parameters.contains { $0.name == Array("SCGI".utf8) }, "SCGI is missing")
    }
    return 0
}
