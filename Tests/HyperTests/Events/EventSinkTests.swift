import Testing

@testable import Hyper

@Suite("Event sink")
struct EventSinkTests {
    private func events(_ produce: @escaping @Sendable (EventSink) async throws -> Void) async throws -> String {
        guard case .stream(let body) = Response.eventStream(produce).body else {
            Issue.record("not a stream")
            return ""
        }
        return try await body.collectChunks().map { String(decoding: $0, as: UTF8.self) }.joined()
    }

    @Test("an unlabelled string literal is HTML: its interpolated values are escaped")
    func literalIsHTML() async throws {
        let name = "<script>x</script>"
        let wire = try await events { events in
            try await events.send("message", "<b>\(name)</b>")
            try await events.send("<i>\(name)</i>")
        }
        #expect(
            wire
                == "event: message\ndata: <b>&lt;script&gt;x&lt;/script&gt;</b>\n\n"
                + "data: <i>&lt;script&gt;x&lt;/script&gt;</i>\n\n")
    }

    @Test("text is sent as it is only when asked for by its label; values are JSON")
    func textAndJSON() async throws {
        let wire = try await events { events in
            try await events.send("note", text: "<raw> & plain")
            try await events.send("count", ["unread": 3])
        }
        #expect(wire == "event: note\ndata: <raw> & plain\n\nevent: count\ndata: {\"unread\":3}\n\n")
    }
}
