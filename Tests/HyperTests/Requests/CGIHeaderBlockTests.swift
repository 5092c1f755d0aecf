import Testing

@testable import Hyper

@Suite("Header fields kept as CGI bytes")
struct CGIHeaderBlockTests {
    /// What nginx passes for a browser's request, with a repeated header, a repeated cookie, a
    /// name that is not an HTTP token and a value holding a byte swift-http-types replaces.
    private static let parameters: [(name: String, value: String)] = [
        ("REQUEST_METHOD", "POST"), ("DOCUMENT_URI", "/"), ("CONTENT_TYPE", "text/plain"), ("CONTENT_LENGTH", "0"),
        ("HTTP_HOST", "example.com"), ("HTTP_ACCEPT", "text/html"), ("HTTP_ACCEPT", "text/event-stream;q=0.5"),
        ("HTTP_COOKIE", "a=1"), ("HTTP_COOKIE", "b=2"), ("HTTP_X_FORWARDED_FOR", "10.0.0.1"),
        ("HTTP_BAD(NAME", "dropped"), ("HTTP_X_ODD", "tab\there\u{7}bell"), ("HTTP_LAST_EVENT_ID", ""),
        ("HTTP_CONTENT_TYPE", "ignored"), ("HTTP_CONTENT_LENGTH", "ignored"),
    ]

    private static let names: [HTTPField.Name] = [
        HTTPField.Name("Host")!, .accept, .cookie, .contentType, .contentLength, HTTPField.Name("X-Forwarded-For")!,
        HTTPField.Name("X-Odd")!, .lastEventID, .hxRequest, .userAgent,
    ]

    @Test("header(_:) and headerValues(_:) read what headerFields holds, for every name", arguments: names)
    func lookupMatchesFields(name: HTTPField.Name) throws {
        let fromBytes = try Request.fromCGI(Self.parameters)
        let fields = try Request.fromCGI(Self.parameters).headerFields
        #expect(fromBytes.header(name) == fields[name])
        #expect(fromBytes.headerValues(name) == fields[values: name])
    }

    @Test("the fields are those nginx sent, in order, with the invalid name left out")
    func fieldsInOrder() throws {
        let fields = try Request.fromCGI(Self.parameters).headerFields
        #expect(
            fields.map { "\($0.name.canonicalName): \($0.value)" } == [
                "content-type: text/plain", "content-length: 0", "host: example.com", "accept: text/html",
                "accept: text/event-stream;q=0.5", "cookie: a=1", "cookie: b=2", "x-forwarded-for: 10.0.0.1",
                "x-odd: \(HTTPField(name: HTTPField.Name("X-Odd")!, value: "tab\there\u{7}bell").value)",
                "last-event-id: ",
            ])
        let request = try Request.fromCGI(Self.parameters)
        #expect(request.header(.cookie) == "a=1; b=2")
        #expect(request.header(.accept) == "text/html, text/event-stream;q=0.5")
        #expect(request.cookies == ["a": "1", "b": "2"])
    }

    @Test("assigning headerFields replaces the fields nginx sent")
    func assignmentReplaces() throws {
        var request = try Request.fromCGI(Self.parameters)
        request.headerFields[.accept] = "application/json"
        #expect(request.header(.accept) == "application/json")
        #expect(request.header(HTTPField.Name("Host")!) == "example.com")
        request.headerFields = [:]
        #expect(request.header(HTTPField.Name("Host")!) == nil)
    }

    @Test("more header fields than the limit is a 431")
    func tooManyFields() {
        let headers = (0...Request.maximumHeaderFields).map { (name: "HTTP_X_\($0)", value: "v") }
        let tooMany = HTTPError(
            .requestHeaderFieldsTooLarge,
            message: "The request has more than \(Request.maximumHeaderFields) header fields.")
        #expect(throws: tooMany) {
            try Request.fromCGI([("REQUEST_METHOD", "GET"), ("DOCUMENT_URI", "/")] + headers)
        }
        let request = try? Request.fromCGI(
            [("REQUEST_METHOD", "GET"), ("DOCUMENT_URI", "/")] + headers.dropLast())
        #expect(request?.headerFields.count == Request.maximumHeaderFields)
    }
}
