import Hyper
import HyperTesting
import Synchronization
import Testing

@Suite("HyperTesting: the in-process client and the event-stream reader")
struct HyperTestingTests {
    struct Hello: Page {
        let name: String
        init(request: Request) throws { name = request.query["name"] ?? "world" }
        var body: HTML { "<h1>Hello, \(name)</h1>" }
    }

    struct Echo: Route {
        static let method = HTTPRequest.Method.post
        static func respond(to request: Request) async throws -> Response {
            let name = request.formFields["name"] ?? ""
            let note = request.formFields["note"] ?? ""
            return Response(text: "\(name)|\(note)")
        }
    }

    /// Counts how many of its streams are running, to see the reader's `stop` end one.
    final class Running: Sendable {
        let count = Atomic<Int>(0)
    }

    /// A stream that never ends: a numbered event, then silence until it is cancelled.
    struct Endless: EventStream {
        let running: Running
        init(request: Request) throws { running = try request.service(Running.self) }

        func stream(to events: EventSink) async throws {
            running.count.add(1, ordering: .relaxed)
            defer { running.count.subtract(1, ordering: .relaxed) }
            try await events.send("hello", ["n": 1])
            try await events.comment("keep-alive")
            try await events.send(ServerSentEvent(event: "lines", data: "one\ntwo", id: "7"))
            for tick in 3... {
                try await Task.sleep(for: .milliseconds(20))
                try await events.send("tick", text: String(tick))
            }
        }
    }

    private func client(running: Running = Running()) throws -> TestClient {
        var router = Router()
        try router.add("/hello", Hello.self)
        try router.add("/echo", Echo.self)
        try router.add("/endless", Endless.self)
        var services = Services()
        services.register(running)
        return TestClient(Application(router: router, services: services, logger: Logger(label: "test")))
    }

    @Test("a page's head is the wire's: Content-Type, Content-Length, nosniff, in order")
    func pageHead() async throws {
        let page = try await client().get("/hello?name=%3Cb%3E")
        #expect(page.status == .ok)
        #expect(page.text == "<h1>Hello, &lt;b&gt;</h1>")
        #expect(page[.contentLength] == String(page.body.count))
        #expect(page[.xContentTypeOptions] == "nosniff")
        #expect(page[.contentType] == "text/html; charset=utf-8")
        #expect(page.headerFields.map(\.name.rawName) == ["Content-Type", "X-Content-Type-Options", "Content-Length"])
    }

    @Test("HEAD gets the GET route's head without a body; an unknown path a 404 page")
    func headAndNotFound() async throws {
        let client = try client()
        let head = await client.get("/hello", method: .head)
        #expect(head.status == .ok && head.body.isEmpty && head[.contentLength] == "21")
        let missing = await client.get("/nowhere")
        #expect(missing.status == .notFound && missing[.xContentTypeOptions] == "nosniff")
    }

    @Test("a POSTed form reaches the route encoded as a browser sends it")
    func postForm() async throws {
        let echoed = try await client().post("/echo", form: ["name": "Ada Lovelace", "note": "a&b=c ü"])
        #expect(echoed.status == .ok)
        #expect(echoed.text == "Ada Lovelace|a&b=c ü")
        #expect(echoed[.contentType] == "text/plain; charset=utf-8")
    }

    @Test("a stream's head carries X-Accel-Buffering and no-cache; its events arrive one by one")
    func endlessStream() async throws {
        let running = Running()
        let client = try client(running: running)
        let head = await client.get("/endless")
        #expect(head[.xAccelBuffering] == "no" && head[.cacheControl] == "no-cache")
        #expect(head[.contentType] == "text/event-stream" && head[.contentLength] == nil)
        #expect(head.stream != nil && running.count.load(ordering: .relaxed) == 0, "a stream runs only when read")

        let events = try await client.events("/endless")
        let first = try await events.next()
        #expect(first == .init(event: "hello", data: #"{"n":1}"#))
        let second = try await events.next()
        #expect(second == .init(event: "lines", data: "one\ntwo", id: "7"))
        #expect(events.lastEventID == "7")
        let ticks = try await events.next(2)
        #expect(ticks.map(\.data) == ["3", "4"])
        #expect(running.count.load(ordering: .relaxed) == 1)
        events.stop()
        let stopped = await eventually { running.count.load(ordering: .relaxed) == 0 }
        #expect(stopped, "stop() cancels the route's task")
    }

    @Test("a route that is not a stream is refused by events(_:) with its status")
    func notAStream() async throws {
        await #expect(throws: NotAStreamError.self) { try await client().events("/hello") }
    }

    private func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

extension HTTPField.Name {
    fileprivate static let xAccelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
