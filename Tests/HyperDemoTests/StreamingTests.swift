import Foundation
import HyperTransport
import Testing
import HyperTesting

/// The demo's streaming routes through a real nginx, read with `curl -N`.
@Suite("Streaming through nginx", .serialized)
struct StreamingTests {
    @Test(
        "/sse sends event K as exactly `data: tick K`, one by one, K intervals after the start",
        arguments: WireProtocol.allCases)
    func ticksArriveOneByOne(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let interval = 400
            let stream = try CurlStream(server.baseURL + "/sse?every_ms=\(interval)", arguments: ["-i"])
            defer { stream.stop() }
            let head = try await stream.wait(for: "\r\n\r\n")
            let events = try await stream.events(count: 5, skippingHeaderBlocks: 1)
            #expect(events.map(\.text) == (0..<5).map { "data: tick \($0)\n\n" })
            #expect(
                events[0].time - head < .milliseconds(250), "the first tick goes with the head, not an interval later")
            // A busy machine can only delay an arrival, so the least delayed tick marks the
            // schedule; every tick must arrive within 250 ms (under one interval) of its slot.
            let slots = events.enumerated().map { tick, event in event.time - .milliseconds(interval * tick) }
            let schedule = try #require(slots.min())
            for (tick, slot) in slots.enumerated() {
                #expect(slot - schedule < .milliseconds(250), "tick \(tick) came \(slot - schedule) after its slot")
            }
        }
    }

    @Test("an event stream has the SSE headers and no Connection header from the app", arguments: WireProtocol.allCases)
    func eventStreamHeaders(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let stream = try CurlStream(server.baseURL + "/stream/feed?interval_ms=50", arguments: ["-i"])
            defer { stream.stop() }
            try await stream.wait(for: "Feed connected")
            let head = LiveServer.Response(parsing: stream.text)
            #expect(head.status == 200)
            #expect(head.header("content-type") == "text/event-stream")
            #expect(head.header("cache-control") == "no-cache")
            #expect(head.header("x-accel-buffering") == nil, "nginx consumes it")
            #expect(head.header("transfer-encoding") == "chunked")
        }
    }

    @Test("the live feed sends its greeting at once and a post every interval", arguments: WireProtocol.allCases)
    func feed(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            // The server waits the interval after each event; a busy machine may delay one
            // delivery, so each gap is held to half an interval and the whole to five sixths.
            let stream = try CurlStream(server.baseURL + "/stream/feed?interval_ms=300")
            defer { stream.stop() }
            let events = try await stream.events(count: 4)
            #expect(events[0].text == "event: message\ndata: <div class=\"info\">Feed connected</div>\n\n")
            for (previous, event) in zip(events.dropLast(), events.dropFirst()) {
                #expect(event.text.hasPrefix("event: message\ndata: <div class=\"post\">\ndata: <h3>New Post at "))
                #expect(event.time - previous.time > .milliseconds(150))
            }
            #expect(events[3].time - events[0].time > .milliseconds(750))
        }
    }

    @Test("interval_ms outside 10…60000 or not a number is a 400", arguments: ["9", "60001", "abc", "-5", ""])
    func badIntervals(value: String) async throws {
        try await LiveServer.withDemo { server in
            let paths = ["/stream/feed", "/stream/metrics", "/report/1"].map { "\($0)?interval_ms=\(value)" }
            for path in paths + ["/sse?every_ms=\(value)"] {
                let response = try await server.request(path)
                #expect(response.status == 400, "\(path)")
            }
        }
    }

    @Test(
        "progressive HTML: the header arrives before the slow sections are produced", arguments: WireProtocol.allCases)
    func progressiveReport(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let stream = try CurlStream(server.baseURL + "/report/7?interval_ms=600", arguments: ["-i"])
            defer { stream.stop() }
            let header = try await stream.wait(for: "<h1>Report 7</h1>")
            let summary = try await stream.wait(for: "<div>Report 7 covers 49 items.</div>")
            let end = try await stream.wait(for: "</html>")
            #expect(summary - header > .milliseconds(400))
            #expect(end - summary > .milliseconds(400))
            let response = LiveServer.Response(parsing: stream.text)
            #expect(response.header("content-type") == "text/html; charset=utf-8")
            #expect(response.body.hasPrefix("<!doctype html>"))
            #expect(response.body.contains("<section id=\"charts\">"))
        }
    }

    @Test(
        "a chat message reaches every stream of its room, escaped, and no other room", arguments: WireProtocol.allCases)
    func chatIsolation(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let ada = try await server.signedIn(as: 1)
            let grace = try await server.signedIn(as: 2)
            let first = try CurlStream(server.baseURL + "/chat/alpha/stream", arguments: ada.curlArguments)
            let second = try CurlStream(server.baseURL + "/chat/alpha/stream", arguments: grace.curlArguments)
            let other = try CurlStream(server.baseURL + "/chat/beta/stream", arguments: ada.curlArguments)
            defer { [first, second, other].forEach { $0.stop() } }
            for stream in [first, second, other] { try await stream.wait(for: "event: connected\ndata: {\"room\":") }
            #expect(first.text.hasPrefix("event: connected\ndata: {\"room\":\"alpha\",\"time\":\""))
            #expect(other.text.hasPrefix("event: connected\ndata: {\"room\":\"beta\",\"time\":\""))
            let posted = try await grace.request(
                "/chat/alpha/messages", method: "POST", body: "text=%3Cb%3Ehi%3C%2Fb%3E")
            #expect(posted.status == 200)
            #expect(posted.body.hasPrefix("Published as event "))
            let id = posted.body.dropFirst("Published as event ".count).dropLast()
            for stream in [first, second] {
                try await stream.wait(for: "data: <p>&lt;b&gt;hi&lt;/b&gt;</p>\n")
                #expect(
                    stream.text.contains("event: message\nid: \(id)\ndata: <div class=\"message\" id=\"msg-\(id)\">"))
                #expect(stream.text.contains("data: <strong>Grace Hopper</strong>\n"), "the signed-in author")
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(!other.text.contains("event: message"))
        }
    }

    @Test(
        "a notification arrives as an HTML event followed by the unread count as JSON; the stream is its user's only",
        arguments: WireProtocol.allCases)
    func notifications(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let grace = try await server.signedIn(as: 2)
            let ada = try await server.signedIn(as: 1)
            let stream = try CurlStream(server.baseURL + "/notifications/stream", arguments: grace.curlArguments)
            defer { stream.stop() }
            try await stream.wait(for: "data: <div class=\"info\">Connected to notifications</div>\n\n")
            for title in ["One", "Two"] {
                let posted = try await ada.request(
                    "/notifications", method: "POST", body: "user_id=2&title=\(title)&message=m%26m")
                #expect(posted.body.hasPrefix("Published as event "))
            }
            try await stream.wait(for: "data: {\"unread\":2}\n\n")
            let events = stream.events().map(\.text)
            #expect(events.count == 6)
            #expect(events[1].hasPrefix("id: "), "the position the stream starts from")
            #expect(
                events[2].hasPrefix(
                    "event: notification\ndata: <div class=\"notification\">\ndata: <strong>One</strong>\ndata: <p>m&amp;m</p>\n"
                ))
            #expect(events[3].hasPrefix("event: count\nid: "))
            #expect(events[3].hasSuffix("\ndata: {\"unread\":1}\n\n"))
            #expect(try await LiveServer.request(url: server.baseURL + "/notifications/stream").status == 401)
            #expect(try await ada.request("/notifications/stream?user_id=2").status == 403, "not Ada's to read")
        }
    }

    @Test(
        "one URL: the status page to a browser, its fragment as a stream to Accept: text/event-stream",
        arguments: WireProtocol.allCases)
    func negotiation(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let page = try await server.request("/status/4")
            #expect(page.status == 200)
            #expect(page.header("content-type") == "text/html; charset=utf-8")
            #expect(page.body.contains("<div id=\"status\">Status: offline</div>"))
            #expect(page.body.contains("sse-connect=\"/status/4?after="))

            let fragment = try await server.request("/status/4", headers: ["HX-Request: true", "HX-Target: status"])
            #expect(fragment.body == "<div id=\"status\">Status: offline</div>")

            let stream = try CurlStream(server.baseURL + "/status/4", arguments: ["-H", "Accept: text/event-stream"])
            defer { stream.stop() }
            try await stream.wait(for: "event: status\ndata: <div id=\"status\">Status: offline</div>\n\n")
            let updated = try await LiveServer.request(
                url: server.baseURL + "/status/4", method: "POST", body: "status=%3Caway%3E")
            #expect(updated.body.hasPrefix("Published as event "))
            try await stream.wait(for: "\ndata: <div id=\"status\">Status: &lt;away&gt;</div>\n\n")
        }
    }

    @Test("the CSV download is streamed with its headers, one row per user", arguments: WireProtocol.allCases)
    func csv(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let response = try await server.request("/download/csv")
            #expect(response.status == 200)
            #expect(response.header("content-type") == "text/csv; charset=utf-8")
            #expect(response.header("content-disposition") == "attachment; filename=users.csv")
            #expect(
                response.body == """
                    name,email,created_at
                    Ada Lovelace,user1@example.com,2026-01-01T09:00:00Z
                    Grace Hopper,user2@example.com,2026-01-02T09:00:00Z
                    <script>alert('x')</script>,user3@example.com,2026-01-03T09:00:00Z

                    """)
        }
    }

    @Test("a silent stream sends a heartbeat comment after --heartbeat", arguments: WireProtocol.allCases)
    func heartbeat(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol, arguments: ["--heartbeat", "0.4"]) { server in
            let client = try await server.signedIn()
            let stream = try CurlStream(server.baseURL + "/chat/quiet/stream", arguments: client.curlArguments)
            defer { stream.stop() }
            let connected = try await stream.wait(for: "event: connected")
            let heartbeat = try await stream.wait(for: ": heartbeat\n\n")
            #expect(heartbeat - connected > .milliseconds(250), "not before the 400 ms of silence")
        }
    }

    @Test("every streaming example is linked from the home page and its page loads htmx and the SSE extension")
    func links() async throws {
        try await LiveServer.withDemo { server in
            let home = try await server.request("/")
            for link in [
                "/notifications", "/notifications/stream", "/chat/lobby", "/chat/lobby/stream",
                "/live-feed", "/stream/feed", "/dashboard-live", "/stream/metrics", "/report/42", "/status/1",
                "/download/csv", "/sse?every_ms=1000",
            ] {
                #expect(home.body.contains("href=\"\(link)\""), "\(link)")
            }
            let ada = try await server.signedIn(as: 1)  // notifications and chat are for the signed-in
            for path in ["/notifications", "/chat/lobby", "/live-feed", "/dashboard-live", "/status/1"] {
                let page = try await ada.request(path)
                #expect(page.status == 200, "\(path)")
                #expect(page.body.contains("<script src=\"/static/htmx/htmx-2.min.js\"></script>"), "\(path)")
                #expect(page.body.contains("<script src=\"/static/htmx/ext/hx-sse-2.min.js\"></script>"), "\(path)")
                #expect(page.body.contains("hx-ext=\"sse\""), "\(path)")
            }
        }
    }

    @Test("the dashboard's stream sends metric and status events with this machine's figures")
    func metrics() async throws {
        try await LiveServer.withDemo { server in
            let stream = try CurlStream(server.baseURL + "/stream/metrics?interval_ms=100")
            defer { stream.stop() }
            let events = try await stream.events(count: 3).map(\.text)
            #expect(events[0].hasPrefix("event: metric\ndata: <div class=\"metrics\">\ndata: <span>CPU: "))
            #expect(events[0].contains("%</span>\ndata: <span>Memory: "))
            // An alert comes between them when the CPU is above 80 %.
            let status = events[1].hasPrefix("event: alert\n") ? events[2] : events[1]
            #expect(status.hasPrefix("event: status\ndata: <span>Load "))
            if events[1].hasPrefix("event: alert\n") {
                #expect(
                    events[1].hasPrefix("event: alert\ndata: <div class=\"alert warning\">High CPU usage detected: "))
            }
        }
    }
}
