import HTTPTypes

extension Request {
    /// Whether the client accepts `text/event-stream`, as EventSource and htmx's SSE extension
    /// ask: some media range of an `Accept` header is exactly that type (parameters aside).
    public var acceptsEventStream: Bool {
        headerFields[values: .accept].contains { header in
            header.split(separator: ",").contains { range in
                let type = (range.split(separator: ";", maxSplits: 1).first ?? "").filter { $0 != " " && $0 != "\t" }
                return type.lowercased() == MediaType.eventStream
            }
        }
    }

    /// The id of the last event the client received, which EventSource sends back when it
    /// reconnects (`Last-Event-ID`); nil on a first connection.
    public var lastEventID: String? {
        headerFields[.lastEventID]
    }

    /// Whether htmx sent the request (`HX-Request: true`).
    public var isHTMXRequest: Bool {
        headerFields[.hxRequest] == "true"
    }

    /// The id of the element an htmx request will swap the answer into (`HX-Target`), if any.
    public var htmxTarget: String? {
        isHTMXRequest ? headerFields[.hxTarget] : nil
    }
}

extension HTTPField.Name {
    /// The id of the last Server-Sent Event a reconnecting EventSource received.
    public static let lastEventID = HTTPField.Name("Last-Event-ID")!
    /// `true` on requests htmx sends.
    public static let hxRequest = HTTPField.Name("HX-Request")!
    /// The id of the element an htmx request targets.
    public static let hxTarget = HTTPField.Name("HX-Target")!
}
