import Testing

@testable import Hyper

@Suite("Server-Sent Event encoding")
struct ServerSentEventTests {
    private func wire(_ event: ServerSentEvent) -> String {
        String(decoding: event.encoded, as: UTF8.self)
    }

    @Test("a one-line payload is one data line and a blank line")
    func oneLine() throws {
        #expect(wire(try ServerSentEvent(data: "<div>HTML content</div>")) == "data: <div>HTML content</div>\n\n")
    }

    @Test("an event name comes before the data")
    func named() throws {
        #expect(
            wire(try ServerSentEvent(event: "eventName", data: "<div>HTML</div>" as HTML))
                == "event: eventName\ndata: <div>HTML</div>\n\n")
    }

    @Test("LF, CR and CRLF each break a line once", arguments: ["a\nb", "a\rb", "a\r\nb"])
    func lineBreaks(payload: String) throws {
        #expect(wire(try ServerSentEvent(data: payload)) == "data: a\ndata: b\n\n")
    }

    @Test("CR LF inside a Swift Character is still two bytes that break one line")
    func crlfCharacter() throws {
        let payload = "one\r\ntwo"
        #expect(payload.count == 7)
        #expect(wire(try ServerSentEvent(data: payload)) == "data: one\ndata: two\n\n")
    }

    @Test("LF CR is two breaks, CR CR LF is two breaks")
    func mixedBreaks() throws {
        #expect(wire(try ServerSentEvent(data: "a\n\rb")) == "data: a\ndata:\ndata: b\n\n")
        #expect(wire(try ServerSentEvent(data: "a\r\r\nb")) == "data: a\ndata:\ndata: b\n\n")
    }

    @Test("empty lines inside the payload are kept as data:")
    func emptyLines() throws {
        #expect(wire(try ServerSentEvent(data: "a\n\nb")) == "data: a\ndata:\ndata: b\n\n")
    }

    @Test("a payload ending in a line break keeps it as a final empty data line")
    func trailingBreak() throws {
        #expect(wire(try ServerSentEvent(data: "a\n")) == "data: a\ndata:\n\n")
        #expect(wire(try ServerSentEvent(data: "a\r\n")) == "data: a\ndata:\n\n")
    }

    @Test("an empty payload still sends data:")
    func emptyPayload() throws {
        #expect(wire(try ServerSentEvent(data: "")) == "data:\n\n")
        #expect(wire(try ServerSentEvent(event: "ping", data: "")) == "event: ping\ndata:\n\n")
    }

    @Test("only 0x0A and 0x0D break lines: U+2028, U+0085, VT and FF stay in the line")
    func otherSeparators() throws {
        let payload = "a\u{2028}b\u{85}c\u{0B}d\u{0C}e"
        #expect(try ServerSentEvent(data: payload).encoded == Array("data: \(payload)\n\n".utf8))
    }

    @Test("id and retry are written with the data")
    func idAndRetry() throws {
        let event = try ServerSentEvent(event: "update", data: "x", id: "42", retry: .milliseconds(2500))
        #expect(wire(event) == "event: update\nid: 42\nretry: 2500\ndata: x\n\n")
    }

    @Test("retry is whole milliseconds, digits only")
    func retryDigits() throws {
        #expect(wire(try .retry(.seconds(3))) == "retry: 3000\n\n")
        #expect(wire(try .retry(.microseconds(1500))) == "retry: 1\n\n")
        #expect(wire(try .retry(.zero)) == "retry: 0\n\n")
        #expect(throws: ServerSentEventError.negativeRetry(.milliseconds(-1))) {
            try ServerSentEvent.retry(.milliseconds(-1))
        }
    }

    @Test("an empty id is sent (it resets the last event id)")
    func emptyID() throws {
        #expect(wire(try ServerSentEvent(data: "x", id: "")) == "id:\ndata: x\n\n")
    }

    @Test("Encodable data is one line of JSON with sorted keys")
    func json() throws {
        struct Unread: Encodable {
            let unread: Int
            let label: String
        }
        #expect(
            wire(try ServerSentEvent(event: "count", data: Unread(unread: 3, label: "a/b\nc")))
                == "event: count\ndata: {\"label\":\"a/b\\nc\",\"unread\":3}\n\n")
        #expect(
            wire(try ServerSentEvent(event: "update", data: ["count": 42])) == "event: update\ndata: {\"count\":42}\n\n"
        )
    }

    @Test("a comment is one colon line per line and a blank line")
    func comment() {
        #expect(wire(.comment("keep\nalive")) == ": keep\n: alive\n\n")
        #expect(wire(.comment("")) == ":\n\n")
        #expect(wire(.heartbeat) == ": heartbeat\n\n")
    }

    @Test("an event name with CR or LF is refused", arguments: ["a\nb", "a\rb", "\r\n"])
    func badName(name: String) {
        #expect(throws: ServerSentEventError.lineBreakInEventName(name)) { try ServerSentEvent(event: name, data: "x") }
    }

    @Test("an id with CR, LF or NUL is refused")
    func badID() {
        #expect(throws: ServerSentEventError.lineBreakInID("1\n2")) { try ServerSentEvent(data: "x", id: "1\n2") }
        #expect(throws: ServerSentEventError.lineBreakInID("1\r")) { try ServerSentEvent(data: "x", id: "1\r") }
        #expect(throws: ServerSentEventError.nulInID("1\u{0}2")) { try ServerSentEvent(data: "x", id: "1\u{0}2") }
    }

    @Test("errors say what was wrong with which value, prefixed Hyper:")
    func errorMessages() {
        #expect(
            ServerSentEventError.lineBreakInEventName("a\nb").description
                == #"Hyper: refused SSE event name "a\nb": it contains CR or LF"#)
        #expect(ServerSentEventError.nulInID("1\u{0}").description == #"Hyper: refused SSE id "1\0": it contains NUL"#)
    }

    @Test("data that cannot be encoded as JSON is refused with its type")
    func unencodable() {
        #expect {
            try ServerSentEvent(data: Double.nan)
        } throws: { error in
            guard case .dataNotEncodable(let type, _) = error as? ServerSentEventError else { return false }
            return type == "Double"
        }
    }
}
