import HTTPTypes

/// A route that answers with a stream of Server-Sent Events.
///
/// The initializer runs first, per request, and may throw an `HTTPError` (a bad parameter is a
/// 400, not a broken stream); then `stream(to:)` sends events until it returns, throws, or the
/// client goes away (its task is then cancelled and its next `send` throws).
///
/// ```swift
/// struct FeedStream: EventStream {
///     init(request: Request) {}
///
///     func stream(to events: EventSink) async throws {
///         try await events.send("message", "<div class=\"info\">Feed connected</div>")
///         while true {
///             try await Task.sleep(for: .seconds(2))
///             try await events.send("message", "<div class=\"post\">New post</div>")
///         }
///     }
/// }
/// ```
///
/// A type that is both a `Page` and an `EventStream` serves its page to ordinary requests and
/// its stream to requests that accept `text/event-stream` (EventSource and htmx send that), so
/// one URL is a page and its live updates. A route that is only an `EventStream` always streams.
public protocol EventStream: Route, Sendable {
    /// Loads what the stream needs for `request`; the request's `lastEventID` tells where a
    /// reconnecting client left off.
    init(request: Request) async throws

    /// Sends the events.
    func stream(to events: EventSink) async throws

    /// The event sent last when the server shuts down while the stream is open, just before the
    /// stream ends cleanly (the browser's `EventSource` then reconnects, reaching the next
    /// instance). `ServerSentEvent.shutdownNotice`, a comment, unless the route says otherwise;
    /// nil sends nothing.
    var farewell: ServerSentEvent? { get }
}

extension EventStream {
    public static var method: HTTPRequest.Method { .get }

    public static func respond(to request: Request) async throws -> Response {
        try await Self(request: request).eventStreamResponse()
    }

    public var farewell: ServerSentEvent? { .shutdownNotice }

    /// The `text/event-stream` response that runs `stream(to:)`.
    func eventStreamResponse() -> Response {
        .eventStream(farewell: farewell) { events in try await stream(to: events) }
    }
}

extension EventStream where Self: Page {
    public static var method: HTTPRequest.Method { .get }

    /// The stream to a request that asks for it (`Request.asksForEventStream`: the query
    /// parameter `after`, or an `Accept` that prefers `text/event-stream`), the page (or the
    /// fragment an htmx request targets) to any other; both vary by `Accept`.
    public static func respond(to request: Request) async throws -> Response {
        let route = try await Self(request: request)
        var response = request.asksForEventStream ? route.eventStreamResponse() : route.pageResponse(to: request)
        response.headerFields.append(HTTPField(name: .vary, value: "Accept"))
        return response
    }
}

extension Response {
    /// A `text/event-stream` response whose events `produce` sends. Hyper adds
    /// `Cache-Control: no-cache` and `X-Accel-Buffering: no`, sends a heartbeat comment
    /// whenever the stream is silent for the app's heartbeat interval, and sends `farewell` last
    /// if the server shuts down while the stream is open.
    ///
    /// ```swift
    /// try router.add("/ticks", method: .get) { request in
    ///     .eventStream { events in
    ///         for tick in 1... {
    ///             try await events.send("tick \(tick)" as HTML)
    ///             try await Task.sleep(for: .seconds(1))
    ///         }
    ///     }
    /// }
    /// ```
    public static func eventStream(
        status: HTTPResponse.Status = .ok, headerFields: HTTPFields = [:],
        farewell: ServerSentEvent? = .shutdownNotice, _ produce: @escaping @Sendable (EventSink) async throws -> Void
    ) -> Response {
        var fields = headerFields
        fields[.contentType] = MediaType.eventStream
        let body = StreamingBody(heartbeat: ServerSentEvent.heartbeat.encoded, farewell: farewell?.encoded) { writer in
            try await produce(EventSink(writer: writer))
        }
        return Response(status: status, headerFields: fields, body: .stream(body))
    }
}
