import Testing

@testable import Hyper

/// A stream that keeps the default farewell.
private struct PlainStream: EventStream {
    init(request: Request) {}
    func stream(to events: EventSink) async throws {}
}

/// A stream that tells its page to reload when the server restarts.
private struct ReloadingStream: EventStream {
    init(request: Request) {}
    func stream(to events: EventSink) async throws {}
    var farewell: ServerSentEvent? { try? ServerSentEvent(event: "reload", data: "") }
}

/// A stream that ends with nothing more.
private struct SilentStream: EventStream {
    init(request: Request) {}
    func stream(to events: EventSink) async throws {}
    var farewell: ServerSentEvent? { nil }
}

@Suite("The farewell an event stream sends when the server shuts down")
struct EventStreamFarewellTests {
    private func farewell(of route: any EventStream.Type) async throws -> [UInt8]? {
        let response = try await route.respond(to: Request(method: .get, path: "/"))
        guard case .stream(let body) = response.body else {
            Issue.record("not a stream")
            return nil
        }
        return body.farewell
    }

    @Test("by default a comment, which the browser ignores before it reconnects")
    func defaultIsAComment() async throws {
        #expect(try await farewell(of: PlainStream.self) == Array(": server shutting down\n\n".utf8))
    }

    @Test("a route can send an event of its own instead, or nothing")
    func routeChooses() async throws {
        #expect(try await farewell(of: ReloadingStream.self) == Array("event: reload\ndata:\n\n".utf8))
        #expect(try await farewell(of: SilentStream.self) == nil)
    }
}
