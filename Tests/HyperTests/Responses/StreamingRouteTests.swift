import Logging
import Synchronization
import Testing

@testable import Hyper

@Suite("Streaming routes")
struct StreamingRouteTests {
    /// A page and its live updates at one URL.
    struct CounterPage: Page, EventStream {
        let start: Int
        let lastEventID: String?

        init(request: Request) throws {
            start = try request.parameter("start", as: Int.self)
            lastEventID = request.lastEventID
        }

        var body: HTML { "<p>Count: \(start)</p>" }

        func stream(to events: EventSink) async throws {
            try await events.send("<p>Count: \(start)</p>" as HTML)
            try await events.send("count", ["value": start + 1])
            try await events.send("note", text: "plain <text>")
            try await events.send(ServerSentEvent(event: "resume", data: lastEventID ?? "none", id: "9"))
            try await events.comment("bye")
        }
    }

    /// A stream and nothing else.
    struct TickStream: EventStream {
        init(request: Request) {}

        func stream(to events: EventSink) async throws {
            try await events.send("tick" as HTML)
        }
    }

    struct SlowReport: ProgressivePage {
        init(request: Request) {}

        func stream(to page: ResponseBodyWriter) async throws {
            try await page.write("<h1>Report</h1>" as HTML)
            try await page.write("<section>Summary</section>" as HTML)
        }
    }

    struct BrokenStream: EventStream {
        init(request: Request) {}

        func stream(to events: EventSink) async throws {
            try await events.send("first" as HTML)
            try await events.send("bad\nname", "x")
            try await events.send("never" as HTML)
        }
    }

    private let app: Application = {
        var router = Router()
        try! router.add("/counter/{start}", CounterPage.self)
        try! router.add("/ticks", TickStream.self)
        try! router.add("/report", SlowReport.self)
        try! router.add("/broken", BrokenStream.self)
        try! router.add("/csv", method: .get) { _ in
            .streaming(
                AsyncStream { continuation in
                    continuation.yield("name,email\n")
                    continuation.yield("Ada,ada@example.com\n")
                    continuation.finish()
                }, contentType: "text/csv; charset=utf-8",
                headerFields: [.contentDisposition: "attachment; filename=users.csv"])
        }
        return Application(router: router, logger: Logger(label: "test"))
    }()

    private func chunks(of response: Response) async throws -> [String] {
        guard case .stream(let body) = response.body else {
            Issue.record("not a stream")
            return []
        }
        return try await body.collectChunks().map { String(decoding: $0, as: UTF8.self) }
    }

    private static let eventStreamAccept: HTTPFields = [.accept: "text/event-stream"]

    @Test("the same URL is the page to an ordinary request")
    func pageByDefault() async {
        let response = await app.response(
            for: Request(method: .get, path: "/counter/4", headerFields: [.accept: "text/html,*/*"]))
        #expect(response.status == .ok)
        #expect(response.headerFields[.contentType] == MediaType.html)
        #expect(response.headerFields[.vary] == "Accept")
        #expect(String(decoding: response.bodyBytes, as: UTF8.self) == "<p>Count: 4</p>")
    }

    @Test("the same URL streams to Accept: text/event-stream, one chunk per event, in the three formats")
    func streamOnAccept() async throws {
        var fields = Self.eventStreamAccept
        fields[.lastEventID] = "8"
        let response = await app.response(for: Request(method: .get, path: "/counter/4", headerFields: fields))
        #expect(response.headerFields[.contentType] == "text/event-stream")
        #expect(response.headerFields[.vary] == "Accept")
        #expect(
            try await chunks(of: response) == [
                "data: <p>Count: 4</p>\n\n",
                "event: count\ndata: {\"value\":5}\n\n",
                "event: note\ndata: plain <text>\n\n",
                "event: resume\nid: 9\ndata: 8\n\n",
                ": bye\n\n",
            ])
    }

    @Test(
        "Accept picks the stream only when text/event-stream has a strictly higher quality than text/html (RFC 9110)",
        arguments: [
            ("text/event-stream", true),  // EventSource, htmx 2
            ("Text/Event-Stream; charset=utf-8", true),
            ("text/html, text/event-stream", false),  // htmx 4 on every request
            ("text/html, */*; q=0.01, text/event-stream", false),
            ("text/html;q=0.9, text/event-stream", true),
            ("text/event-stream;q=0.5, text/*;q=0.4", true),
            ("text/event-stream;q=0.5, text/*;q=0.5", false),
            ("text/event-stream;q=0, */*", false),
            ("text/event-stream;q=0", false),
            ("text/html;q=0, text/event-stream;q=0.001", true),
            ("text/event-stream;q=abc", true),  // an invalid q counts as 1
            ("text/event-streams, */*", false),
            ("*/*", false),
            ("", false),
        ])
    func acceptNegotiation(accept: String, streams: Bool) {
        let request = Request(method: .get, path: "/", headerFields: [.accept: accept])
        #expect(request.acceptsEventStream == streams)
        #expect(request.asksForEventStream == streams)
    }

    @Test("no Accept header gets the page; the query parameter after selects the stream whatever Accept says")
    func streamSelector() {
        #expect(!Request(method: .get, path: "/").acceptsEventStream)
        let htmx4 = Request(
            method: .get, path: "/", query: QueryParameters(encoded: "after=12"),
            headerFields: [.accept: "text/html, text/event-stream"])
        #expect(!htmx4.acceptsEventStream)
        #expect(htmx4.asksForEventStream)
    }

    @Test("a parameter the initializer refuses is an HTTP error, not a stream")
    func initializerErrors() async {
        let response = await app.response(
            for: Request(method: .get, path: "/counter/abc", headerFields: Self.eventStreamAccept))
        #expect(response.status == .notFound)
    }

    @Test("a route with only a stream always streams")
    func streamOnly() async throws {
        let response = await app.response(
            for: Request(method: .get, path: "/ticks", headerFields: [.accept: "text/html"]))
        #expect(response.headerFields[.contentType] == "text/event-stream")
        #expect(try await chunks(of: response) == ["data: tick\n\n"])
    }

    @Test("an event stream has a heartbeat comment, a progressive page none")
    func heartbeats() async throws {
        guard case .stream(let events) = await app.response(for: Request(method: .get, path: "/ticks")).body,
            case .stream(let page) = await app.response(for: Request(method: .get, path: "/report")).body
        else {
            Issue.record("not streams")
            return
        }
        #expect(events.heartbeat == Array(": heartbeat\n\n".utf8))
        #expect(page.heartbeat == nil)
    }

    @Test("a progressive page is HTML written chunk by chunk")
    func progressive() async throws {
        let response = await app.response(for: Request(method: .get, path: "/report"))
        #expect(response.headerFields[.contentType] == MediaType.html)
        #expect(try await chunks(of: response) == ["<h1>Report</h1>", "<section>Summary</section>"])
    }

    @Test("a streamed response has its media type, headers and the sequence's chunks")
    func streamedCSV() async throws {
        let response = await app.response(for: Request(method: .get, path: "/csv"))
        #expect(response.headerFields[.contentType] == "text/csv; charset=utf-8")
        #expect(response.headerFields[.contentDisposition] == "attachment; filename=users.csv")
        #expect(try await chunks(of: response) == ["name,email\n", "Ada,ada@example.com\n"])
    }

    @Test("an event that would split the stream is refused and nothing of it is sent")
    func refusedEvent() async throws {
        let response = await app.response(for: Request(method: .get, path: "/broken"))
        guard case .stream(let body) = response.body else {
            Issue.record("not a stream")
            return
        }
        let sent = Mutex<[String]>([])
        await #expect(throws: ServerSentEventError.lineBreakInEventName("bad\nname")) {
            try await body.write(
                ResponseBodyWriter { bytes in sent.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } })
        }
        #expect(sent.withLock { $0 } == ["data: first\n\n"])
    }
}
