/// FastCGI's record layer (FastCGI 1.0, section 3): record types, the 8-byte header, name–value
/// pair lengths, and records framed with their 65,535-byte content limit. The one place that
/// knows the wire format: the input validator decodes with it, a handed-off stream encodes with
/// it, and the tests build and read records with it.
enum FastCGIRecord {
    /// The only version of the protocol.
    static let version: UInt8 = 1
    /// The size of a record header.
    static let headerLength = 8
    /// The most content bytes one record carries.
    static let maximumContentLength = Int(UInt16.max)

    /// A record's type.
    enum RecordType: UInt8, CaseIterable {
        case beginRequest = 1
        case abortRequest = 2
        case endRequest = 3
        case params = 4
        case stdin = 5
        case stdout = 6
        case stderr = 7
        case data = 8
        case getValues = 9
        case getValuesResult = 10
        case unknownType = 11
    }

    /// A record header: `version, type, requestIdB1, requestIdB0, contentLengthB1,
    /// contentLengthB0, paddingLength, reserved`.
    struct Header: Equatable {
        var version: UInt8 = FastCGIRecord.version
        /// The type byte as sent; `RecordType(rawValue:)` names the known ones.
        var type: UInt8
        var requestID: UInt16
        var contentLength: Int
        var paddingLength: Int

        init(
            version: UInt8 = FastCGIRecord.version, type: UInt8, requestID: UInt16, contentLength: Int,
            paddingLength: Int
        ) {
            self.version = version
            self.type = type
            self.requestID = requestID
            self.contentLength = contentLength
            self.paddingLength = paddingLength
        }

        /// The header whose 8 bytes, most significant first, are `packed`.
        init(packed: UInt64) {
            version = UInt8(truncatingIfNeeded: packed >> 56)
            type = UInt8(truncatingIfNeeded: packed >> 48)
            requestID = UInt16(truncatingIfNeeded: packed >> 32)
            contentLength = Int(UInt16(truncatingIfNeeded: packed >> 16))
            paddingLength = Int(UInt8(truncatingIfNeeded: packed >> 8))
        }

        /// The header's 8 bytes.
        var bytes: [UInt8] {
            [
                version, type, UInt8(requestID >> 8), UInt8(truncatingIfNeeded: requestID),
                UInt8(contentLength >> 8), UInt8(truncatingIfNeeded: contentLength), UInt8(paddingLength), 0,
            ]
        }
    }

    /// Appends records of `type` for `requestID` holding `content` to `bytes`, split into records
    /// of at most `maximumContentLength` bytes, each padded to a multiple of 8 when `padded`. An
    /// empty `content` is one empty record (the end of a stream).
    static func append(
        _ type: RecordType, requestID: UInt16, content: some Collection<UInt8>, padded: Bool = false,
        to bytes: inout [UInt8]
    ) {
        var rest = content[...]
        repeat {
            let part = rest.prefix(maximumContentLength)
            rest = rest.dropFirst(part.count)
            let padding = padded ? (8 - part.count % 8) % 8 : 0
            bytes.append(
                contentsOf: Header(
                    type: type.rawValue, requestID: requestID, contentLength: part.count, paddingLength: padding
                ).bytes)
            bytes.append(contentsOf: part)
            bytes.append(contentsOf: repeatElement(0, count: padding))
        } while !rest.isEmpty
    }

    /// The records of `type` for `requestID` holding `content` (see `append`).
    static func records(
        _ type: RecordType, requestID: UInt16, content: some Collection<UInt8>, padded: Bool = false
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        append(type, requestID: requestID, content: content, padded: padded, to: &bytes)
        return bytes
    }

    /// The content of an end-request record: the application's status and the protocol status
    /// (0, request complete).
    static func endRequestBody(applicationStatus: UInt32 = 0, protocolStatus: UInt8 = 0) -> [UInt8] {
        [
            UInt8(applicationStatus >> 24), UInt8(truncatingIfNeeded: applicationStatus >> 16),
            UInt8(truncatingIfNeeded: applicationStatus >> 8), UInt8(truncatingIfNeeded: applicationStatus),
            protocolStatus, 0, 0, 0,
        ]
    }

    /// The content of a begin-request record for `role` (1, responder), with `keepConnection`.
    static func beginRequestBody(role: UInt16 = 1, keepConnection: Bool = false) -> [UInt8] {
        [UInt8(role >> 8), UInt8(truncatingIfNeeded: role), keepConnection ? 1 : 0, 0, 0, 0, 0, 0]
    }

    /// A name–value pair length: one byte below 128, else four with the high bit set.
    static func encodedLength(_ length: Int) -> [UInt8] {
        length < 128
            ? [UInt8(length)]
            : [
                UInt8(truncatingIfNeeded: length >> 24) | 0x80, UInt8(truncatingIfNeeded: length >> 16),
                UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length),
            ]
    }

    /// Name–value pairs as `FCGI_PARAMS` and `FCGI_GET_VALUES` carry them.
    static func encodedPairs(_ pairs: [(name: [UInt8], value: [UInt8])]) -> [UInt8] {
        pairs.flatMap { encodedLength($0.name.count) + encodedLength($0.value.count) + $0.name + $0.value }
    }

    /// The records in `bytes`, up to the last whole one.
    static func decode(_ bytes: [UInt8]) -> [(header: Header, content: [UInt8])] {
        var records: [(header: Header, content: [UInt8])] = []
        var offset = 0
        while offset + headerLength <= bytes.count {
            let packed = bytes[offset..<(offset + headerLength)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let header = Header(packed: packed)
            let end = offset + headerLength + header.contentLength + header.paddingLength
            guard end <= bytes.count else { break }
            let content = Array(bytes[(offset + headerLength)..<(offset + headerLength + header.contentLength)])
            records.append((header, content))
            offset = end
        }
        return records
    }
}
