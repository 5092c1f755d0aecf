import Foundation
import Hyper
import HyperTesting
import Testing

@testable import HyperDemo

/// A chat room's name becomes part of its page's URLs (`sse-connect`, `hx-get`, `hx-post`). Each
/// must lead back to the same room, whatever the name holds, as a browser reads the page: through
/// nginx, on the release build.
@Suite("Room URLs lead back to their room", .timeLimit(.minutes(3)))
struct RoomURLTests {
    /// Names with every character that means something in a URL or in HTML.
    static let hostileRooms = [
        #"..\..\debug\chat\x\cut?refuse=10#"#, "a?x=1", "#top", "100%", "%41%2F", #"a\b"#, "a b+c",
        #"say "hi" & 'bye' <b>"#, "é漢🙂", "a..b", "...", ";x=1",
    ]

    /// Characters a URL in the page may hold: the unreserved set, `%`, and the path and query
    /// delimiters. A raw `\`, `#`, quote, space or non-ASCII character would be read differently
    /// by a browser than by the server.
    static let urlCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%/?&=")

    @Test("every URL of a room's page names that room and leads back to it")
    func urlsLeadBack() async throws {
        try await LiveServer.withDemo(build: .release) { server async throws in
            let client = try await server.signedIn()  // rooms are for the signed-in
            for room in Self.hostileRooms {
                let page = try await client.request("/chat/" + Self.encoded(room))
                try #require(page.status == 200, "\(room): \(page.status) \(page.body)")
                #expect(page.body.contains("<h1>Chat room \(Self.escaped(room))</h1>"), "\(room)")
                let links = Self.links(in: page.body).filter { $0.value.hasPrefix("/chat/") }
                #expect(links.map(\.attribute).sorted() == ["hx-get", "hx-post", "sse-connect"], "\(room): \(links)")
                for (attribute, url) in links {
                    #expect(url.allSatisfy(Self.urlCharacters.contains), "\(room): \(attribute)=\(url)")
                    let path = url.split(separator: "?", maxSplits: 1)[0]
                    let segments = path.split(separator: "/", omittingEmptySubsequences: false)
                    #expect(segments.count >= 3 && segments[2].removingPercentEncoding == room, "\(attribute)=\(url)")
                    try await Self.expectLeadsBack(attribute: attribute, url: url, to: room, client: client)
                }
            }
        }
    }

    @Test("a name that no path can carry through nginx never gets a page, and no URL is built for it")
    func unaddressableNames() async throws {
        try await LiveServer.withDemo(build: .release) { server async throws in
            // nginx decodes %2F before the app sees the path: /chat/a/b is no route.
            #expect(try await server.request("/chat/a%2Fb").status == 404)
            // nginx resolves %2E%2E as a dot-segment: /chat/%2E%2E/stream is /stream, no room's.
            #expect(try await server.request("/chat/%2E%2E/stream").status == 404)
        }
        for room in ["a/b", "/", ".", "..", ""] {
            #expect(throws: RouteURLError.unaddressable(name: "room_id", value: room, pattern: "/chat/{room_id}")) {
                try ChatPage.url(room_id: room)
            }
        }
    }

    /// Requests `url` as htmx would for `attribute` (as the signed-in `client`, with its cookie and,
    /// for a post, its CSRF token), and checks the answer is `room`'s.
    static func expectLeadsBack(attribute: String, url: String, to room: String, client: LiveClient) async throws {
        switch attribute {
        case "hx-get":
            let page = try await client.request(url)
            #expect(page.status == 200 && page.body.contains("<h1>Chat room \(escaped(room))</h1>"), "\(url)")
        case "sse-connect":
            let stream = try await client.request(
                url, headers: ["Accept: text/event-stream"], maxTime: .milliseconds(1500))
            #expect(stream.status == 200, "\(url)")
            #expect(try connectedRoom(in: stream.body) == room, "\(url): \(stream.body)")
        default:
            let text = "posted to \(UUID().uuidString)"
            let post = try await client.request(
                url, method: "POST", headers: ["Content-Type: application/x-www-form-urlencoded"],
                body: "text=" + encoded(text))
            #expect(post.status == 200, "\(url): \(post.status) \(post.body)")
            let page = try await client.request("/chat/" + encoded(room))
            #expect(page.body.contains(text), "the message posted to \(url) is in room \(room)")
        }
    }

    /// The `room` of the stream's `connected` event.
    static func connectedRoom(in body: String) throws -> String? {
        let lines = body.components(separatedBy: "\n")
        guard let event = lines.firstIndex(of: "event: connected"), event + 1 < lines.count,
            lines[event + 1].hasPrefix("data: ")
        else { return nil }
        let data = Data(lines[event + 1].dropFirst("data: ".count).utf8)
        return try JSONDecoder().decode([String: String].self, from: data)["room"]
    }

    /// The URL attributes of `html`, their values unescaped.
    static func links(in html: String) -> [(attribute: String, value: String)] {
        html.matches(of: #/(href|src|action|hx-get|hx-post|sse-connect)="([^"]*)"/#).map { match in
            let value = match.2.replacingOccurrences(of: "&quot;", with: "\"")
                .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&lt;", with: "<")
                .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
            return (String(match.1), value)
        }
    }

    /// `text` percent-encoded by the test's own rule: every character but ASCII letters and digits.
    static func encoded(_ text: String) -> String {
        let letters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return text.addingPercentEncoding(withAllowedCharacters: letters) ?? text
    }

    /// `text` as the page's HTML escapes it.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }
}
