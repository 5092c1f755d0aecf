import HTTPTypes

extension Request {
    /// Whether content negotiation (RFC 9110 §12.5.1) picks `text/event-stream` over the page:
    /// the `Accept` header gives the event stream a quality above 0 and strictly above that of
    /// `text/html`. Each type takes the quality of the most specific range that matches it
    /// (`text/html` before `text/*` before `*/*`), 1 when the range has no valid `q`.
    ///
    /// So `Accept: text/event-stream` (EventSource, htmx 2) gets the stream, and
    /// `Accept: text/html, text/event-stream` (what htmx 4 sends on every request) gets the page.
    /// Without `Accept`, or with `*/*`, a request gets the page.
    public var acceptsEventStream: Bool {
        let ranges = headerValues(.accept).flatMap { MediaRange.parse($0) }
        let stream = MediaRange.quality(of: "text", "event-stream", in: ranges)
        let page = ranges.isEmpty ? 1 : MediaRange.quality(of: "text", "html", in: ranges)
        return stream > 0 && stream > page
    }

    /// Whether the request asks for the event stream of a page-and-stream route: it carries the
    /// query parameter `after` (the stream links a page renders carry it, which selects the stream
    /// for htmx 2 and htmx 4 alike, whatever their `Accept`), or it `acceptsEventStream`.
    public var asksForEventStream: Bool {
        query["after"] != nil || acceptsEventStream
    }

    /// The id of the last event the client received, which EventSource sends back when it
    /// reconnects (`Last-Event-ID`); nil on a first connection.
    public var lastEventID: String? {
        header(.lastEventID)
    }

    /// Whether htmx sent the request (`HX-Request: true`).
    public var isHTMXRequest: Bool {
        header(.hxRequest) == "true"
    }

    /// The id of the element an htmx request will swap the answer into (`HX-Target`), if any.
    public var htmxTarget: String? {
        isHTMXRequest ? header(.hxTarget) : nil
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
