import HTTPTypes

/// The CGI response header block written before the body, over FastCGI and SCGI alike:
/// `Status: 200 OK`, one line per field, then an empty line.
///
/// `HTTPFields` never holds CR, LF or NUL (swift-http-types turns them into spaces, and
/// `Response.setHeader` refuses them), so no field can split the block.
enum ResponseHead {
    /// The head of `response` with Hyper's rules applied: `Content-Type` defaults to HTML;
    /// `X-Content-Type-Options: nosniff` always; a body in memory gets its `Content-Length`, a
    /// stream `X-Accel-Buffering: no` (nginx passes each chunk on at once) and, unless the route
    /// set one, `Cache-Control: no-cache`. A field Hyper sets replaces the route's in place;
    /// those the route did not set follow its own.
    ///
    /// Room is reserved for a body in memory, which the caller may append without a copy.
    static func encode(_ response: Response) -> [UInt8] {
        var bytes = statusLine(response.status, reserving: 256 + response.bodyBytes.count)
        let isStream = response.isStream
        var wroteNosniff = false
        var wroteLengthOrBuffering = false
        var routeSetContentType = false
        var routeSetCacheControl = false
        for field in response.headerFields {
            switch field.name {
            case .xContentTypeOptions:
                if !wroteNosniff { appendNosniff(to: &bytes) }
                wroteNosniff = true
            case .contentLength where !isStream, .xAccelBuffering where isStream:
                if !wroteLengthOrBuffering { appendLengthOrBuffering(of: response.body, to: &bytes) }
                wroteLengthOrBuffering = true
            default:
                if field.name == .contentType { routeSetContentType = true }
                if field.name == .cacheControl { routeSetCacheControl = true }
                append(field, to: &bytes)
            }
        }
        // In the order earlier versions added them: Content-Type, Hyper's own, Cache-Control.
        if !routeSetContentType { append(HTTPField(name: .contentType, value: MediaType.html), to: &bytes) }
        if !wroteNosniff { appendNosniff(to: &bytes) }
        if !wroteLengthOrBuffering { appendLengthOrBuffering(of: response.body, to: &bytes) }
        if isStream && !routeSetCacheControl { append("Cache-Control: no-cache\r\n", to: &bytes) }
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }

    /// The block for `status` and `fields` as they are.
    static func serialize(status: HTTPResponse.Status, fields: HTTPFields) -> [UInt8] {
        var bytes = statusLine(status, reserving: 256)
        for field in fields { append(field, to: &bytes) }
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }

    private static func statusLine(_ status: HTTPResponse.Status, reserving capacity: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(capacity)
        append("Status: ", to: &bytes)
        appendDecimal(status.code, to: &bytes)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: status.reasonPhrase.utf8)
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }

    private static func append(_ field: HTTPField, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: field.name.rawName.utf8)
        bytes.append(contentsOf: ": ".utf8)
        bytes.append(contentsOf: field.value.utf8)
        bytes.append(contentsOf: "\r\n".utf8)
    }

    private static func appendNosniff(to bytes: inout [UInt8]) {
        append("X-Content-Type-Options: nosniff\r\n", to: &bytes)
    }

    /// `Content-Length` for a body in memory, `X-Accel-Buffering: no` for a stream.
    private static func appendLengthOrBuffering(of body: Response.Body, to bytes: inout [UInt8]) {
        switch body {
        case .bytes(let body):
            append("Content-Length: ", to: &bytes)
            appendDecimal(body.count, to: &bytes)
            append("\r\n", to: &bytes)
        case .stream:
            append("X-Accel-Buffering: no\r\n", to: &bytes)
        }
    }

    private static func append(_ literal: StaticString, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private static func appendDecimal(_ number: Int, to bytes: inout [UInt8]) {
        guard number >= 10 else {
            bytes.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: max(number, 0)))
            return
        }
        appendDecimal(number / 10, to: &bytes)
        bytes.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: number % 10))
    }
}
