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
    static func encode(_ response: Response) -> [UInt8] {
        var bytes = statusLine(response.status)
        var imposed: [HTTPField] = [HTTPField(name: .xContentTypeOptions, value: "nosniff")]
        var defaults: [HTTPField] = [HTTPField(name: .contentType, value: MediaType.html)]
        switch response.body {
        case .bytes(let body):
            imposed.append(HTTPField(name: .contentLength, value: String(body.count)))
        case .stream:
            imposed.append(HTTPField(name: .xAccelBuffering, value: "no"))
            defaults.append(HTTPField(name: .cacheControl, value: "no-cache"))
        }
        var written: [HTTPField.Name] = []
        for field in response.headerFields {
            if let rule = imposed.first(where: { $0.name == field.name }) {
                guard !written.contains(rule.name) else { continue }
                written.append(rule.name)
                append(rule, to: &bytes)
            } else {
                defaults.removeAll { $0.name == field.name }
                append(field, to: &bytes)
            }
        }
        // In the order earlier versions added them: Content-Type, Hyper's own, Cache-Control.
        for field in defaults where field.name == .contentType { append(field, to: &bytes) }
        for field in imposed where !written.contains(field.name) { append(field, to: &bytes) }
        for field in defaults where field.name != .contentType { append(field, to: &bytes) }
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }

    /// The block for `status` and `fields` as they are.
    static func serialize(status: HTTPResponse.Status, fields: HTTPFields) -> [UInt8] {
        var bytes = statusLine(status)
        for field in fields { append(field, to: &bytes) }
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }

    private static func statusLine(_ status: HTTPResponse.Status) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        bytes.append(contentsOf: "Status: ".utf8)
        bytes.append(contentsOf: String(status.code).utf8)
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
}
