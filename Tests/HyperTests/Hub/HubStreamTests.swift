import Logging
import Synchronization
import Testing

@testable import Hyper

@Suite("Hub messages on the wire")
struct HubStreamTests {
    @Test(
        "an event id is 1 to 19 ASCII digits that fit in Int64, nothing else",
        arguments: [
            ("0", Int64?(0)), ("42", 42), ("007", 7), ("9223372036854775807", .max), ("9223372036854775808", nil),
            ("99999999999999999999", nil), ("", nil), ("-1", nil), ("+1", nil), (" 1", nil), ("1 ", nil), ("1.5", nil),
            ("1e3", nil), ("１", nil), ("1\r\n", nil), ("abc", nil),
        ])
    func eventIDs(text: String, value: Int64?) {
        #expect(EventID(text)?.rawValue == value)
        if let value { #expect(EventID(text)?.description == String(value)) }
    }

    @Test("a non-empty Last-Event-ID wins over ?after=, which wins over nothing; bad values stay invalid")
    func resumePoints() {
        func request(_ header: String?, _ query: String) -> Request {
            var fields: HTTPFields = [:]
            if let header { fields[.lastEventID] = header }
            return Request(method: .get, path: "/", query: QueryParameters(encoded: query), headerFields: fields)
        }
        #expect(request(nil, "").resumePoint == .live)
        #expect(request(nil, "after=5").resumePoint == .after(EventID(rawValue: 5)!))
        #expect(request("7", "after=5").resumePoint == .after(EventID(rawValue: 7)!))
        #expect(request("", "after=5").resumePoint == .after(EventID(rawValue: 5)!))
        #expect(request("x", "after=5").resumePoint == .invalid("x"))
        #expect(request(nil, "after=").resumePoint == .invalid(""))
        let long = String(repeating: "9", count: 300)
        #expect(request(long, "").resumePoint == .invalid(String(repeating: "9", count: 256)))
    }

    @Test("a stream sends its start position, each message with its id, and a reset with its reason, byte for byte")
    func wireFormat() async throws {
        let hub = Hub<String, String>(backend: InMemoryHubBackend(firstID: EventID(rawValue: 1)!))
        try await hub.publish("a", to: "room")
        try await hub.publish("b\nc", to: "room")
        let resumed = hub.subscribe(to: "room", from: .after(.zero))
        let invalid = hub.subscribe(to: "room", from: .invalid("x"))
        let response = Response.eventStream { events in
            try await events.send(position: resumed.start)
            var iterator = resumed.makeAsyncIterator()
            for _ in 0..<2 {
                guard case .event(let event) = await iterator.next() else { return }
                try await events.send(event) { try ServerSentEvent(event: "message", data: $0.message) }
            }
            var invalidIterator = invalid.makeAsyncIterator()
            guard case .reset(let reset) = await invalidIterator.next() else { return }
            try await events.send(reset)
        }
        guard case .stream(let body) = response.body else {
            Issue.record("not a stream")
            return
        }
        let chunks = try await body.collectChunks().map { String(decoding: $0, as: UTF8.self) }
        #expect(
            chunks == [
                "id: 0\n\n", "event: message\nid: 1\ndata: a\n\n", "event: message\nid: 2\ndata: b\ndata: c\n\n",
                "event: reset\nid: 2\ndata: invalid-id\n\n",
            ])
    }

    @Test("a message is encoded once however many streams send it; several events share one id, on the last")
    func encodedOnce() async throws {
        let hub = Hub<String, Int>(backend: InMemoryHubBackend(firstID: EventID(rawValue: 5)!))
        let subscriptions = (0..<3).map { _ in hub.subscribe(to: "t") }
        try await hub.publish(1, to: "t")
        let encodings = Mutex(0)
        var outputs: [[String]] = []
        for subscription in subscriptions {
            var iterator = subscription.makeAsyncIterator()
            guard case .event(let event) = await iterator.next() else { return }
            let response = Response.eventStream { events in
                try await events.send(
                    event,
                    encodingAll: { event in
                        encodings.withLock { $0 += 1 }
                        return [
                            try ServerSentEvent(event: "note", data: "n\(event.message)"),
                            try ServerSentEvent(event: "count", data: ["value": event.message]),
                        ]
                    })
            }
            guard case .stream(let body) = response.body else { return }
            outputs.append(try await body.collectChunks().map { String(decoding: $0, as: UTF8.self) })
        }
        #expect(encodings.withLock { $0 } == 1)
        #expect(
            outputs
                == Array(repeating: ["event: note\ndata: n1\n\nevent: count\nid: 5\ndata: {\"value\":1}\n\n"], count: 3)
        )
    }

    @Test("a resume point that is no id is logged at debug level with the value, escaped")
    func invalidIDIsLogged() {
        let lines = RecordingHandler.Lines()
        let hub = Hub<String, String>(logger: Logger(label: "test") { _ in RecordingHandler(lines: lines) })
        _ = hub.subscribe(to: "room", from: ResumePoint("7\r\nevent: x"))
        _ = hub.subscribe(to: "room", from: .after(.zero))
        #expect(
            lines.value.withLock { $0 } == [
                #"debug Hyper: resume point is not an event id; the subscription starts with reset topic=room value="7\r\nevent: x""#
            ])
    }
}

/// Keeps every line logged: level, message and metadata.
private struct RecordingHandler: LogHandler {
    final class Lines: Sendable {
        let value = Mutex<[String]>([])
    }

    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        lines.value.withLock {
            $0.append((["\(event.level)", event.message.description] + fields).joined(separator: " "))
        }
    }
}
