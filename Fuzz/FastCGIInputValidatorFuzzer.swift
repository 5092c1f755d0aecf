// libFuzzer entry point for `FastCGIInputValidator`, compiled together with
// Sources/HyperFastCGI/FastCGIInputValidator.swift by scripts/fuzz-fastcgi-input.
//
// The first input byte picks how the rest is cut into reads; the validator must never crash,
// must keep constant memory, and must reach the same verdict however the bytes are cut.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFastCGIInputValidator(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 1 else { return 0 }
    let chunkSize = Int(data[0] % 31) + 1
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)

    var whole = FastCGIInputValidator()
    var wholeVerdict: FastCGIInputValidator.Violation?
    do throws(FastCGIInputValidator.Violation) {
        try whole.consume(input)
        try whole.endOfInput()
    } catch {
        wholeVerdict = error
    }

    var pieces = FastCGIInputValidator()
    var piecesVerdict: FastCGIInputValidator.Violation?
    do throws(FastCGIInputValidator.Violation) {
        var offset = 0
        while offset < input.count {
            let end = min(offset + chunkSize, input.count)
            try pieces.consume(UnsafeRawBufferPointer(rebasing: input[offset..<end]))
            offset = end
        }
        try pieces.endOfInput()
    } catch {
        piecesVerdict = error
    }

    precondition(wholeVerdict == piecesVerdict, "the verdict depends on how the input is cut")
    return 0
}
