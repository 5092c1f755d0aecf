import Foundation
import Testing

@testable import Hyper

@Suite("Requests from CGI parameters")
struct RequestTests {
    private func request(_ parameters: [String: String]) throws -> Request {
        try Request.fromCGI(parameters.map { (name: $0.key, value: $0.value) })
    }

    @Test("method, decoded path, query, headers and remote address are read")
    func readsEverything() throws {
        let request = try request([
            "REQUEST_METHOD": "POST", "DOCUMENT_URI": "/users/Zoë ä", "REQUEST_URI": "/users/Zo%C3%AB%20%C3%A4?a=1",
            "SCRIPT_NAME": "/users/Zoë ä", "QUERY_STRING": "a=1&b=x+y&a=%3Cz%3E&flag", "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": "3",
            "HTTP_ACCEPT": "text/event-stream", "HTTP_X_FORWARDED_FOR": "10.0.0.1", "HTTP_LAST_EVENT_ID": "7",
        ])
        #expect(request.method == .post)
        #expect(request.path == "/users/Zoë ä")
        #expect(request.mountPrefix == "")
        #expect(request.query["a"] == "1")
        #expect(request.query.values(for: "a") == ["1", "<z>"])
        #expect(request.query["b"] == "x y")
        #expect(request.query["flag"] == "")
        #expect(request.remoteAddress == "127.0.0.1")
        #expect(request.headerFields[.accept] == "text/event-stream")
        #expect(request.headerFields[HTTPField.Name("X-Forwarded-For")!] == "10.0.0.1")
        #expect(request.headerFields[HTTPField.Name("Last-Event-ID")!] == "7")
        #expect(request.headerFields[.contentType] == "application/x-www-form-urlencoded")
        #expect(request.headerFields[.contentLength] == "3")
    }

    @Test("PATH_INFO is the route and SCRIPT_NAME the mount prefix when nginx splits the path")
    func splitPath() throws {
        let request = try request([
            "REQUEST_METHOD": "GET", "SCRIPT_NAME": "/app", "PATH_INFO": "/users/1", "DOCUMENT_URI": "/app/users/1",
        ])
        #expect(request.path == "/users/1")
        #expect(request.mountPrefix == "/app")
    }

    @Test("without DOCUMENT_URI the path of REQUEST_URI is decoded")
    func requestURIFallback() throws {
        let request = try request(["REQUEST_METHOD": "GET", "REQUEST_URI": "/a%20b/./c/../d?x=%41"])
        #expect(request.path == "/a b/d")
        #expect(request.query["x"] == "A")
    }

    @Test("empty CONTENT_TYPE and CONTENT_LENGTH (a GET through nginx) add no header")
    func emptyContentFields() throws {
        let request = try request([
            "REQUEST_METHOD": "GET", "DOCUMENT_URI": "/", "CONTENT_TYPE": "", "CONTENT_LENGTH": "",
        ])
        #expect(request.headerFields[.contentType] == nil)
        #expect(request.headerFields[.contentLength] == nil)
    }

    @Test(
        "paths are normalised",
        arguments: [
            ("/", "/"), ("//a///b/", "/a/b"), ("/a/./b", "/a/b"), ("/a/b/../c", "/a/c"), ("", "/"), ("/a/..", "/"),
            // What the byte-level check for an already normal path must tell apart.
            ("/a", "/a"), ("/a/", "/a"), ("/.", "/"), ("a/b", "/a/b"), ("/a/.b", "/a/.b"), ("/..a", "/..a"),
            ("/a/...", "/a/..."), ("/a/b.", "/a/b."), ("/zoë/ä", "/zoë/ä"),
        ])
    func normalises(raw: String, expected: String) {
        #expect(Request.normalize(path: raw) == expected)
    }

    @Test("a path climbing above the root, or holding NUL, is a 400", arguments: ["/..", "/a/../../b", "/a\0b"])
    func refusesEscapes(path: String) {
        #expect(throws: HTTPError(.badRequest, message: "The request path is not valid.")) {
            try request(["REQUEST_METHOD": "GET", "DOCUMENT_URI": path])
        }
    }

    @Test("a missing or malformed method is a 400")
    func badMethod() {
        for parameters in [["DOCUMENT_URI": "/"], ["REQUEST_METHOD": "GE T", "DOCUMENT_URI": "/"]] {
            #expect(throws: HTTPError(.badRequest, message: "Unknown request method.")) { try request(parameters) }
        }
    }

    @Test("typed path parameters convert, and a value that does not is a 404")
    func typedParameters() throws {
        var request = Request(method: .get, path: "/")
        let id = UUID()
        request.pathParameters = PathParameters(["user_id": "42", "name": "zoë", "token": id.uuidString, "bad": "abc"])
        #expect(try request.parameter("user_id", as: Int.self) == 42)
        #expect(try request.parameter("name", as: String.self) == "zoë")
        #expect(try request.parameter("token", as: UUID.self) == id)
        #expect(throws: HTTPError(.notFound)) { try request.parameter("bad", as: Int.self) }
        #expect(throws: HTTPError(.notFound)) { try request.parameter("name", as: UUID.self) }
    }

    @Test("form bodies and cookies are decoded")
    func formAndCookies() {
        var request = Request(method: .post, path: "/")
        request.body = Array("user=Zo%C3%AB&text=a+%26+b&text=second".utf8)
        request.headerFields[.cookie] = "session=abc; theme = dark"
        #expect(request.formFields["user"] == "Zoë")
        #expect(request.formFields.values(for: "text") == ["a & b", "second"])
        #expect(request.cookies == ["session": "abc", "theme": "dark"])
    }

    @Test("one cookie is read by name: the first of its name, spaces trimmed, pairs without = skipped")
    func cookieByName() {
        var request = Request(method: .get, path: "/")
        #expect(request.cookie("session") == nil)
        request.headerFields[.cookie] = "flag; theme = dark ;session=a=b; session=second;;empty="
        #expect(request.cookie("session") == "a=b")
        #expect(request.cookie("theme") == "dark")
        #expect(request.cookie("empty") == "")
        #expect(request.cookie("flag") == nil)
        #expect(request.cookie("sess") == nil)
        #expect(request.cookies == ["theme": "dark", "session": "second", "empty": ""])
    }

    @Test("an Idempotency-Key header is the request's key; none is nil; one that is not a key is a 400")
    func idempotencyKeyHeader() throws {
        var request = Request(method: .post, path: "/")
        #expect(try request.idempotencyKey == nil)
        request.headerFields[.idempotencyKey] = "retry-me-42"
        #expect(try request.idempotencyKey == IdempotencyKey("retry-me-42"))
        request.headerFields[.idempotencyKey] = String(repeating: "x", count: 256)
        #expect(
            throws: HTTPError(
                .badRequest,
                message: "The Idempotency-Key header (256 bytes) must be 1 to 255 visible ASCII characters.")
        ) { try request.idempotencyKey }
        request.headerFields[.idempotencyKey] = "two words"
        #expect(throws: HTTPError.self) { try request.idempotencyKey }
    }

    @Test("malformed percent escapes are kept as text")
    func malformedEscapes() {
        #expect(QueryParameters(encoded: "a=%zz&b=%4&c=100%")["a"] == "%zz")
        #expect(QueryParameters(encoded: "a=%zz&b=%4&c=100%")["b"] == "%4")
        #expect(QueryParameters(encoded: "a=%zz&b=%4&c=100%")["c"] == "100%")
    }
}
