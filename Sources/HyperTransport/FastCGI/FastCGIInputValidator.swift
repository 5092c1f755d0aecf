import Glibc

/// Checks the bytes a FastCGI peer sends before libfcgi reads them, so that no input can crash
/// the process (see `LibfcgiReadGate`).
///
/// Debian 12's libfcgi (2.4.2-2+deb12u1) trusts its peer in two places that abort the whole
/// process: a name–value pair whose lengths overflow `nameLen + valueLen + 2` (an assertion in its
/// `Malloc`), and an `FCGI_GET_VALUES` record naming more variables than its 64-byte reply buffer
/// holds (a stack overflow). This state machine follows the record framing across reads and
/// decodes every name–value length of `FCGI_PARAMS` and `FCGI_GET_VALUES` content, and refuses:
/// a version other than 1, a begin-request body that is not 8 bytes, a name or value longer than
/// `maximumLength`, a NUL byte inside a parameter's name or value (libfcgi would cut the string
/// there), more than `maximumParameterBytes` of parameters or `maximumParameters` pairs in one
/// request, a `FCGI_GET_VALUES` record with more than `maximumValuesRequested` pairs, an
/// `FCGI_ABORT_REQUEST` (reported as such, so the request ends as a client that left), and an end
/// of input in the middle of a record. It keeps no bytes: memory stays constant whatever arrives.
///
/// It follows the input as libfcgi reads it, not as the peer describes it: one validator covers
/// one request as libfcgi reads it from a connection (libfcgi starts every request with a new
/// buffer, so the next request gets a new validator), and as in libfcgi only the first
/// begin-request record opens the request; a later one (libfcgi answers it with
/// `FCGI_CANT_MPX_CONN`) neither changes which request's parameters are decoded nor resets what
/// was counted.
struct FastCGIInputValidator: Equatable {
    /// Why the input was refused.
    enum Violation: Error, Equatable, CustomStringConvertible {
        case unsupportedVersion(UInt8)
        case beginRequestLength(Int)
        case nameOrValueTooLong(Int)
        case parametersTooLarge(Int)
        case tooManyValuesRequested(Int)
        case tooManyParameters(Int)
        case nulInParameter
        case abortedRequest(UInt16)
        case truncatedRecord

        var description: String {
            switch self {
            case .unsupportedVersion(let version): "HyperFastCGI: FastCGI version \(version) is not 1"
            case .beginRequestLength(let length): "HyperFastCGI: a begin-request record of \(length) bytes, not 8"
            case .nameOrValueTooLong(let length): "HyperFastCGI: a parameter name or value of \(length) bytes"
            case .parametersTooLarge(let bytes): "HyperFastCGI: \(bytes) bytes of parameters in one request"
            case .tooManyValuesRequested(let count): "HyperFastCGI: a get-values record asking for \(count) values"
            case .tooManyParameters(let count): "HyperFastCGI: \(count) parameters in one request"
            case .nulInParameter: "HyperFastCGI: a NUL byte inside a parameter name or value"
            case .abortedRequest(let id): "HyperFastCGI: the web server aborted request \(id)"
            case .truncatedRecord: "HyperFastCGI: the connection ended inside a record"
            }
        }
    }

    /// Longest parameter name or value accepted (nginx sends a few KiB at most).
    static let maximumLength = 1 << 20
    /// Most bytes of parameters (names, values and lengths) one request may send.
    static let maximumParameterBytes = 4 << 20
    /// Most name–value pairs in one request's parameters (nginx sends about 30 plus one per
    /// header; the framework answers 431 to more than `Request.maximumHeaderFields` headers).
    static let maximumParameters = 10_000
    /// Most name–value pairs in one `FCGI_GET_VALUES` record (there are three variables to ask).
    static let maximumValuesRequested = 3

    /// Where a name–value pair stream stands: reading a length (the value so far and how many of
    /// its bytes are left), or skipping the name and value bytes of the pair just decoded.
    private struct PairDecoder: Equatable {
        var length = 0
        var lengthBytesLeft = 0
        /// The name's length, once read, while the value's is read.
        var nameLength: Int?
        var bytesToSkip = 0
        var pairs = 0
        var totalBytes = 0

        /// Takes the next length byte (call it when no name or value bytes are left to skip).
        mutating func consume(_ byte: UInt8) throws(Violation) {
            totalBytes += 1
            if lengthBytesLeft == 0 {
                guard byte & 0x80 == 0 else {  // the first of a four-byte length
                    length = Int(byte & 0x7F)
                    lengthBytesLeft = 3
                    return
                }
                length = Int(byte)
            } else {
                length = length << 8 | Int(byte)
                lengthBytesLeft -= 1
                guard lengthBytesLeft == 0 else { return }
            }
            guard length <= FastCGIInputValidator.maximumLength else { throw .nameOrValueTooLong(length) }
            if let nameLength {
                bytesToSkip = nameLength + length
                self.nameLength = nil
                pairs += 1
            } else {
                nameLength = length
            }
        }

        /// Whether the next byte is the first of a pair (its name's length).
        var isAtPairStart: Bool {
            bytesToSkip == 0 && lengthBytesLeft == 0 && nameLength == nil
        }

        /// Takes a pair's name and value lengths when both are one byte (under 128, as nearly all
        /// of nginx's are): what `consume` does with the two bytes, in one step.
        mutating func consumeOneByteLengths(name: UInt8, value: UInt8) {
            totalBytes += 2
            length = Int(value)
            bytesToSkip = Int(name) + Int(value)
            pairs += 1
        }

        /// Skips up to `available.count` name or value bytes at once; returns how many it took.
        /// With `refusingNUL`, a NUL byte among them is refused.
        mutating func skip(_ available: UnsafeRawBufferPointer, refusingNUL: Bool) throws(Violation) -> Int {
            let taken = min(available.count, bytesToSkip)
            if refusingNUL, taken > 0, let base = available.baseAddress, memchr(base, 0, taken) != nil {
                throw .nulInParameter
            }
            bytesToSkip -= taken
            totalBytes += taken
            return taken
        }
    }

    /// The bytes of the record header read so far, most significant first, and how many.
    private var header: UInt64 = 0
    private var headerLength = 0
    private var type: UInt8 = 0
    private var requestID: UInt16 = 0
    private var contentLeft = 0
    private var paddingLeft = 0
    /// The request the first begin-request record opened: its parameters are decoded.
    private var currentRequestID: UInt16?
    private var parameters = PairDecoder()
    private var valuesRequested = PairDecoder()
    /// Whether the current request's body has ended (an empty `FCGI_STDIN` record): libfcgi
    /// reads nothing more for it.
    private(set) var hasWholeRequest = false

    /// Checks the next bytes the peer sent. After a violation the connection must be dropped.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(Violation) {
        var index = 0
        while index < bytes.count {
            if contentLeft == 0 && paddingLeft == 0 {
                header = header << 8 | UInt64(bytes[index])
                headerLength += 1
                index += 1
                if headerLength == 8 { try beginRecord() }
            } else if contentLeft > 0 {
                let taken = try consumeContent(bytes, from: index)
                index += taken
                contentLeft -= taken
            } else {
                let taken = min(paddingLeft, bytes.count - index)
                paddingLeft -= taken
                index += taken
            }
        }
    }

    /// Checks that the input ended between two records.
    func endOfInput() throws(Violation) {
        guard headerLength == 0 && contentLeft == 0 && paddingLeft == 0 else { throw .truncatedRecord }
    }

    private mutating func beginRecord() throws(Violation) {
        let record = FastCGIRecord.Header(packed: header)
        (header, headerLength) = (0, 0)
        guard record.version == FastCGIRecord.version else { throw .unsupportedVersion(record.version) }
        (type, requestID) = (record.type, record.requestID)
        (contentLeft, paddingLeft) = (record.contentLength, record.paddingLength)
        switch FastCGIRecord.RecordType(rawValue: type) {
        case .beginRequest:
            guard contentLeft == 8 else { throw .beginRequestLength(contentLeft) }
            if currentRequestID == nil { currentRequestID = requestID }
        case .abortRequest where requestID == currentRequestID:
            throw .abortedRequest(requestID)
        case .stdin where requestID == currentRequestID && contentLeft == 0:
            hasWholeRequest = true
        case .getValues:
            valuesRequested = PairDecoder()
        default:
            break
        }
    }

    /// Takes the content bytes of the current record from `bytes[index...]`; returns how many.
    private mutating func consumeContent(_ bytes: UnsafeRawBufferPointer, from index: Int) throws(Violation) -> Int {
        let available = min(contentLeft, bytes.count - index)
        let isParameters =
            type == FastCGIRecord.RecordType.params.rawValue && requestID == currentRequestID && requestID != 0
        let isValuesRequest = type == FastCGIRecord.RecordType.getValues.rawValue && requestID == 0
        guard isParameters || isValuesRequest else { return available }
        var taken = 0
        while taken < available {
            if isParameters {
                taken += try parameters.skip(
                    UnsafeRawBufferPointer(rebasing: bytes[(index + taken)..<(index + available)]), refusingNUL: true)
                guard taken < available else { break }
                if parameters.isAtPairStart, taken + 1 < available,
                    parameters.totalBytes + 2 <= Self.maximumParameterBytes,
                    bytes[index + taken] & 0x80 == 0, bytes[index + taken + 1] & 0x80 == 0
                {
                    parameters.consumeOneByteLengths(name: bytes[index + taken], value: bytes[index + taken + 1])
                    taken += 1  // and one more below
                } else {
                    try parameters.consume(bytes[index + taken])
                }
                guard parameters.totalBytes <= Self.maximumParameterBytes else {
                    throw .parametersTooLarge(parameters.totalBytes)
                }
                guard parameters.pairs <= Self.maximumParameters else { throw .tooManyParameters(parameters.pairs) }
            } else {
                taken += try valuesRequested.skip(
                    UnsafeRawBufferPointer(rebasing: bytes[(index + taken)..<(index + available)]), refusingNUL: false)
                if taken < available { try valuesRequested.consume(bytes[index + taken]) } else { break }
                guard valuesRequested.pairs <= Self.maximumValuesRequested else {
                    throw .tooManyValuesRequested(valuesRequested.pairs)
                }
            }
            taken += 1
        }
        return available
    }
}
