import Hyper

/// A response as the web server receives it: the status and fields of the encoded CGI head, and
/// the body in memory, or the stream still to be read.
public struct TestResponse: Sendable {
    public let status: HTTPResponse.Status
    /// The fields in the order they are written, Hyper's defaults included.
    public let headerFields: HTTPFields
    /// The body in memory; empty for a stream (read `stream`) and for `HEAD`.
    public let body: [UInt8]
    /// The streaming body, not yet run; nil for a body in memory and for `HEAD`.
    public let stream: StreamingBody?

    init(_ response: Response, isHead: Bool) {
        (status, headerFields) = Self.parse(head: response.encodedHead)
        switch response.body {
        case .bytes(let bytes):
            body = isHead ? [] : bytes
            stream = nil
        case .stream(let streamingBody):
            body = []
            stream = isHead ? nil : streamingBody
        }
    }

    /// The body decoded as UTF-8.
    public var text: String {
        String(decoding: body, as: UTF8.self)
    }

    /// The value of the field `name` (the first, if it is repeated).
    public subscript(name: HTTPField.Name) -> String? {
        headerFields[name]
    }

    /// Reads the `Status:` line and the fields of a CGI header block.
    static func parse(head: [UInt8]) -> (HTTPResponse.Status, HTTPFields) {
        var status = HTTPResponse.Status.ok
        var fields = HTTPFields()
        for line in String(decoding: head, as: UTF8.self).split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon]
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            if name == "Status" {
                let code = Int(value.prefix { $0 != " " }) ?? 500
                status = HTTPResponse.Status(code: code, reasonPhrase: String(value.drop { $0 != " " }.dropFirst()))
            } else if let fieldName = HTTPField.Name(String(name)) {
                fields.append(HTTPField(name: fieldName, value: String(value)))
            }
        }
        return (status, fields)
    }
}
