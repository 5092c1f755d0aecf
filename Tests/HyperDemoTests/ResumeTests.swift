import Foundation
import Testing
import HyperTesting

/// Streams resume after `Last-Event-ID` or `?after=`, through the real nginx, and say `reset`
/// when they cannot.
@Suite("Resuming streams", .serialized)
struct ResumeTests {
    /// Posts `text` to `room` as the signed-in `client`; returns the message's id.
    private func post(_ text: String, to room: String, as client: LiveClient) async throws -> String {
        let posted = try await client.request("/chat/\(room)/messages", method: "POST", body: "text=\(text)")
        #expect(posted.status == 200)
        return String(posted.body.dropFirst("Published as event ".count).dropLast())
    }

    /// The `(id, text)` of each chat message event in `stream`, in order.
    private func messages(in stream: CurlStream) -> [(id: String, text: String)] {
        stream.events().map(\.text).compactMap { event in
            guard event.hasPrefix("event: message\nid: ") else { return nil }
            let lines = event.split(separator: "\n")
            let id = lines[1].dropFirst("id: ".count)
            let text = lines.first { $0.hasPrefix("data: <p>") }?.dropFirst("data: <p>".count).dropLast("</p>".count)
            return (String(id), String(text ?? ""))
        }
    }

    @Test("Last-Event-ID resumes a chat stream: the missed messages with their ids, then live ones")
    func lastEventID() async throws {
        try await LiveServer.withDemo { server in
            let client = try await server.signedIn()
            let ids = try await [post("one", to: "r1", as: client), post("two", to: "r1", as: client)]
            _ = try await post("elsewhere", to: "r2", as: client)
            let three = try await post("three", to: "r1", as: client)
            let stream = try CurlStream(
                server.baseURL + "/chat/r1/stream",
                arguments: client.curlArguments + ["-H", "Last-Event-ID: \(ids[0])"])
            defer { stream.stop() }
            try await stream.wait(for: "data: <p>three</p>")
            let four = try await post("four", to: "r1", as: client)
            try await stream.wait(for: "data: <p>four</p>")
            #expect(messages(in: stream).map(\.id) == [ids[1], three, four])
            #expect(messages(in: stream).map(\.text) == ["two", "three", "four"])
            #expect(!stream.text.contains("event: reset"))
            #expect(stream.events()[2].text == "id: \(ids[0])\n\n", "the position comes after connected and retry")
        }
    }

    @Test("?after= resumes likewise, and Last-Event-ID wins over it")
    func afterParameter() async throws {
        try await LiveServer.withDemo { server in
            let client = try await server.signedIn()
            var ids: [String] = []
            for text in ["a", "b", "c"] { ids.append(try await post(text, to: "q", as: client)) }
            let byQuery = try CurlStream(
                server.baseURL + "/chat/q/stream?after=\(ids[0])", arguments: client.curlArguments)
            let both = try CurlStream(
                server.baseURL + "/chat/q/stream?after=\(ids[0])",
                arguments: client.curlArguments + ["-H", "Last-Event-ID: \(ids[1])"])
            defer { [byQuery, both].forEach { $0.stop() } }
            for stream in [byQuery, both] { try await stream.wait(for: "data: <p>c</p>") }
            #expect(messages(in: byQuery).map(\.text) == ["b", "c"])
            #expect(messages(in: both).map(\.text) == ["c"])
        }
    }

    @Test(
        "a resume point that is no id gets a reset event and the live stream, never an error status",
        arguments: [
            ("Last-Event-ID: abc", ""), ("Last-Event-ID: -1", ""), ("Last-Event-ID: 99999999999999999999", ""),
            ("Last-Event-ID: 1.5", ""), ("Last-Event-ID: \(String(repeating: "7", count: 300))", ""),
            ("X-None: 1", "?after=1%0D%0Aevent:%20x"), ("X-None: 1", "?after="), ("X-None: 1", "?after=+7"),
        ])
    func invalidIDs(header: String, query: String) async throws {
        try await LiveServer.withDemo { server in
            let client = try await server.signedIn()
            let stream = try CurlStream(
                server.baseURL + "/chat/bad/stream" + query, arguments: client.curlArguments + ["-i", "-H", header])
            defer { stream.stop() }
            try await stream.wait(for: "event: reset\nid: ")
            try await stream.wait(for: "data: invalid-id\n\n")
            #expect(stream.text.hasPrefix("HTTP/1.1 200"))
            _ = try await post("live", to: "bad", as: client)
            try await stream.wait(for: "data: <p>live</p>")
            #expect(!stream.text.contains("event: x"))
        }
    }

    @Test("an id newer than this history, or older than it, gets a reset naming why")
    func unknownAndExpired() async throws {
        try await LiveServer.withDemo { server in
            let client = try await server.signedIn()
            let id = try await post("x", to: "u", as: client)
            let unknown = try CurlStream(
                server.baseURL + "/chat/u/stream",
                arguments: client.curlArguments + ["-H", "Last-Event-ID: 9223372036854775807"])
            let expired = try CurlStream(server.baseURL + "/chat/u/stream?after=1", arguments: client.curlArguments)
            defer { [unknown, expired].forEach { $0.stop() } }
            try await unknown.wait(for: "event: reset\nid: \(id)\ndata: unknown-id\n\n")
            try await expired.wait(for: "event: reset\nid: \(id)\ndata: expired\n\n")
        }
    }

    @Test("the chat page shows the recent messages and its stream link resumes after the newest")
    func chatPage() async throws {
        try await LiveServer.withDemo { server in
            let client = try await server.signedIn()
            var ids: [String] = []
            for index in 1...55 { ids.append(try await post("m\(index)", to: "p", as: client)) }
            let page = try await client.request("/chat/p")
            #expect(page.status == 200)
            #expect(!page.body.contains("<p>m5</p>"))
            #expect(page.body.contains("<p>m6</p>"))
            #expect(page.body.contains("id=\"msg-\(ids[54])\""))
            #expect(page.body.contains("sse-connect=\"/chat/p/stream?after=\(ids[54])\""))
            let room = try await client.request("/chat/p", headers: ["HX-Request: true", "HX-Target: room"])
            #expect(room.body.hasPrefix("<div id=\"room\""))
            #expect(!room.body.contains("<html"))
        }
    }

    @Test("a page-and-stream URL: htmx 4's Accept gets the page, its after= link gets the stream")
    func negotiation() async throws {
        try await LiveServer.withDemo { server in
            let page = try await server.request("/status/9", headers: ["Accept: text/html, text/event-stream"])
            #expect(page.header("content-type") == "text/html; charset=utf-8")
            let stream = try CurlStream(
                server.baseURL + "/status/9?after=0", arguments: ["-i", "-H", "Accept: text/html, text/event-stream"])
            defer { stream.stop() }
            try await stream.wait(for: "event: status\n")
            #expect(stream.text.lowercased().contains("content-type: text/event-stream"))
        }
    }
}
