import Testing

@testable import Hyper

@Suite("Responses")
struct ResponseTests {
    @Test("the CGI header block is Status, the fields and an empty line")
    func headBytes() {
        let fields: HTTPFields = [.contentType: "text/plain", .setCookie: "a=1", HTTPField.Name("Set-Cookie")!: "b=2"]
        let bytes = ResponseHead.serialize(status: .notFound, fields: fields)
        #expect(
            String(decoding: bytes, as: UTF8.self)
                == "Status: 404 Not Found\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n")
    }

    @Test("the head adds Hyper's fields: HTML by default, nosniff, Content-Length or the stream's fields")
    func headDefaults() throws {
        let page = Response(html: "<p>hi</p>")
        #expect(
            String(decoding: ResponseHead.encode(page), as: UTF8.self)
                == "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"
                + "Content-Length: 9\r\n\r\n")
        var text = Response(status: .created, headerFields: [.contentLength: "99", .xContentTypeOptions: "sniff"])
        text.headerFields.append(HTTPField(name: .contentLength, value: "98"))
        text.headerFields[.contentType] = "text/plain"
        text.body = .bytes(Array("abc".utf8))
        #expect(
            String(decoding: ResponseHead.encode(text), as: UTF8.self)
                == "Status: 201 Created\r\nContent-Length: 3\r\nX-Content-Type-Options: nosniff\r\n"
                + "Content-Type: text/plain\r\n\r\n",
            "Hyper's fields replace the route's in place, once; the route's Content-Type stays")
        let stream = Response(body: .stream(StreamingBody { _ in }))
        #expect(
            String(decoding: ResponseHead.encode(stream), as: UTF8.self)
                == "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"
                + "X-Accel-Buffering: no\r\nCache-Control: no-cache\r\n\r\n")
        var cached = stream
        cached.headerFields[.cacheControl] = "max-age=5"
        #expect(String(decoding: ResponseHead.encode(cached), as: UTF8.self).contains("Cache-Control: max-age=5\r\n"))
        #expect(!String(decoding: ResponseHead.encode(cached), as: UTF8.self).contains("no-cache"))
        var buffered = stream
        buffered.headerFields = [
            .xAccelBuffering: "yes", .contentLength: "5", HTTPField.Name("X-Accel-Buffering")!: "x",
        ]
        #expect(
            String(decoding: ResponseHead.encode(buffered), as: UTF8.self)
                == "Status: 200 OK\r\nX-Accel-Buffering: no\r\nContent-Length: 5\r\n"
                + "Content-Type: text/html; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"
                + "Cache-Control: no-cache\r\n\r\n",
            "a stream's X-Accel-Buffering is Hyper's, once, where the route put it; its Content-Length is the route's")
    }

    @Test("setHeader refuses CR, LF and NUL in a value and a name that is not a token")
    func setHeaderRefuses() throws {
        var response = Response()
        try response.setHeader("X-Ok", "fine")
        #expect(response.headerFields[HTTPField.Name("X-Ok")!] == "fine")
        #expect(throws: HeaderFieldError.invalidValue(name: "X-A", value: "a\r\nSet-Cookie: x=1", byte: 0x0D)) {
            try response.setHeader("X-A", "a\r\nSet-Cookie: x=1")
        }
        #expect(throws: HeaderFieldError.invalidValue(name: "X-A", value: "a\nb", byte: 0x0A)) {
            try response.setHeader("X-A", "a\nb")
        }
        #expect(throws: HeaderFieldError.invalidValue(name: "X-A", value: "a\0b", byte: 0)) {
            try response.setHeader("X-A", "a\0b")
        }
        #expect(throws: HeaderFieldError.invalidName("X A")) { try response.setHeader("X A", "v") }
        #expect(throws: HeaderFieldError.invalidName("X\r\nB")) { try response.setHeader("X\r\nB", "v") }
        #expect(response.headerFields.count == 1)
    }

    @Test("header fields assigned directly can never hold a line break")
    func fieldsAreSanitised() {
        var response = Response()
        response.headerFields[HTTPField.Name("X-A")!] = "a\r\nb"
        let bytes = ResponseHead.serialize(status: .ok, fields: response.headerFields)
        #expect(!String(decoding: bytes, as: UTF8.self).contains("a\r\nb"))
    }

    @Test("cookies are serialised with their attributes, and bad ones refused")
    func cookies() throws {
        var response = Response()
        response.setCookie(try Cookie(name: "session", value: "abc123", maxAge: 3600, secure: true))
        #expect(
            response.headerFields[.setCookie] == "session=abc123; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax")
        #expect(throws: CookieError.invalidName("a b")) { try Cookie(name: "a b", value: "x") }
        #expect(throws: CookieError.invalidValue(name: "a", value: "x;y")) { try Cookie(name: "a", value: "x;y") }
        #expect(throws: CookieError.invalidAttribute(name: "a", value: "/;x")) {
            try Cookie(name: "a", value: "x", path: "/;x")
        }
    }
}
