import Testing

@testable import Hyper

@Suite("Route URLs")
struct RouteURLTests {
    /// Room names and the exact path `/chat/{room_id}` becomes with each.
    static let encodedRooms: [(room: String, path: String)] = [
        ("lobby", "/chat/lobby"),
        ("a?x=1", "/chat/a%3Fx%3D1"),
        (#"..\..\debug\chat\x\cut?refuse=10#"#, "/chat/..%5C..%5Cdebug%5Cchat%5Cx%5Ccut%3Frefuse%3D10%23"),
        ("100%", "/chat/100%25"),
        ("%2F", "/chat/%252F"),
        ("a b+c", "/chat/a%20b%2Bc"),
        (#""'<>&;="#, "/chat/%22%27%3C%3E%26%3B%3D"),
        ("é漢🙂", "/chat/%C3%A9%E6%BC%A2%F0%9F%99%82"),
        ("-._~AZaz09", "/chat/-._~AZaz09"),
        ("...", "/chat/..."),
        ("a..b", "/chat/a..b"),
        ("\t\r\n", "/chat/%09%0D%0A"),
    ]

    @Test("each path value is percent-encoded, every byte outside A-Z a-z 0-9 - . _ ~", arguments: encodedRooms)
    func encodesPathValues(room: String, path: String) throws {
        let url = try RouteURL("/chat/{room_id}/stream", parameters: ["room_id": room])
        #expect(url.path == path + "/stream")
        #expect(url.query == "")
        #expect(url.description == path + "/stream")
    }

    @Test("query names and values are percent-encoded, in order, repeats kept")
    func encodesQuery() throws {
        let url = try RouteURL(
            "/notifications", query: ["user_id": "1", "q": "a&b=c d+e#f", "user_id": "2", "é": ""])
        #expect(url.description == "/notifications?user_id=1&q=a%26b%3Dc%20d%2Be%23f&user_id=2&%C3%A9=")
    }

    @Test("literal segments are encoded too, and the root is /")
    func literalsAndRoot() throws {
        #expect(try RouteURL("/say hi/{x}", parameters: ["x": "1"]).description == "/say%20hi/1")
        #expect(try RouteURL("/").description == "/")
        #expect(try RouteURL("/", query: ["a": "b"]).description == "/?a=b")
    }

    @Test("every value reaches the route unchanged through the app's own decoding", arguments: encodedRooms)
    func roundTrip(room: String, path: String) throws {
        var router = Router()
        try router.add("/chat/{room_id}/messages", method: .post) { _ in Response(text: "") }
        let url = try RouteURL(
            "/chat/{room_id}/messages", parameters: ["room_id": room], query: ["after": room, "n": "1"])
        let request = try Request.fromCGI([("REQUEST_METHOD", "POST"), ("REQUEST_URI", url.description)])
        guard case .found(_, let parameters, _) = router.match(method: .post, path: request.path) else {
            Issue.record("\(url) is not routed to /chat/{room_id}/messages")
            return
        }
        #expect(parameters["room_id"] == room)
        #expect(request.query == ["after": room, "n": "1"])
    }

    @Test(
        "a value no path segment can carry through nginx is refused, saying why",
        arguments: [
            ("", "an empty segment is dropped from the path"),
            (".", "browsers and nginx resolve it as a dot-segment, even percent-encoded"),
            ("..", "browsers and nginx resolve it as a dot-segment, even percent-encoded"),
            ("a/b", "nginx decodes %2F to / before the router splits the path"),
            ("/", "nginx decodes %2F to / before the router splits the path"),
            ("a\u{0}b", "nginx refuses a NUL byte in a path"),
        ])
    func refusesUnaddressable(room: String, reason: String) {
        let error = RouteURLError.unaddressable(name: "room_id", value: room, pattern: "/chat/{room_id}")
        #expect(throws: error) { try RouteURL("/chat/{room_id}", parameters: ["room_id": room]) }
        #expect(
            error.description
                == "Hyper: \(room.debugDescription) cannot be {room_id} in a URL of /chat/{room_id}: \(reason)")
        #expect(error.response(for: Request(method: .get, path: "/")).status == .badRequest)
    }

    @Test("a missing, an unknown parameter and a malformed pattern are refused")
    func refusesMistakes() throws {
        #expect(throws: RouteURLError.missingParameter(name: "room_id", pattern: "/chat/{room_id}")) {
            try RouteURL("/chat/{room_id}")
        }
        #expect(throws: RouteURLError.unknownParameter(name: "room", pattern: "/chat/{room_id}")) {
            try RouteURL("/chat/{room_id}", parameters: ["room_id": "a", "room": "b"])
        }
        let malformed = try #require(throws: PathPatternError.self) { try PathPattern("/chat/{}") }
        #expect(throws: RouteURLError.invalidPattern(malformed)) { try RouteURL("/chat/{}") }
        #expect(
            RouteURLError.missingParameter(name: "room_id", pattern: "/chat/{room_id}").response(
                for: Request(method: .get, path: "/")
            ).status == .internalServerError)
    }

    @Test("interpolated in HTML, a URL is attribute-escaped")
    func escapedInHTML() throws {
        let url = try RouteURL("/chat/{room_id}", parameters: ["room_id": #"x"y"#], query: ["a": "1", "b": "2"])
        let html: HTML = "<a href=\"\(url)\">room</a>"
        #expect(html.string == #"<a href="/chat/x%22y?a=1&amp;b=2">room</a>"#)
    }
}
