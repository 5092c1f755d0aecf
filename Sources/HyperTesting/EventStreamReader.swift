import Hyper

/// Reads a Server-Sent Events body in process, one event at a time as the route sends it. The
/// route runs on its own task until it returns or the reader is stopped, so a stream that never
/// ends can be read for a few events and then left:
///
/// ```swift
/// let events = try await client.events("/notifications/stream")
/// let first = try await events.next()          // waits for the route's first event
/// #expect(first?.event == "connected")
/// events.stop()                                // cancels the route, as a client hanging up
/// ```
public final class EventStreamReader {
    /// One event as a browser parses it.
    public struct Event: Sendable, Equatable {
        /// `event:`; nil for an unnamed (`message`) event.
        public var event: String?
        /// The `data:` lines joined with newlines.
        public var data: String
        /// `id:`, if the event carried one.
        public var id: String?
        /// `retry:` in milliseconds, if the event carried one.
        public var retry: Int?

        public init(event: String? = nil, data: String, id: String? = nil, retry: Int? = nil) {
            self.event = event
            self.data = data
            self.id = id
            self.retry = retry
        }
    }

    private var chunks: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
    private var pending: [UInt8] = []
    /// The last `id:` received, with or without data: what a reconnecting browser sends back as
    /// `Last-Event-ID`.
    public private(set) var lastEventID: String?
    private let route: Task<Void, Never>

    /// Starts running `body` and reads what it writes.
    public init(_ body: StreamingBody) {
        let (chunks, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        self.chunks = chunks.makeAsyncIterator()
        route = Task {
            do {
                try await body.write(
                    ResponseBodyWriter { bytes in
                        try Task.checkCancellation()
                        continuation.yield(bytes)
                    })
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
    }

    deinit {
        route.cancel()
    }

    /// The next event, skipping comments (heartbeats) and events without data (which a browser
    /// does not dispatch, though it keeps their id); nil once the route has returned. Throws
    /// what the route threw.
    public func next() async throws -> Event? {
        while true {
            if let event = takeEvent() { return event }
            guard let chunk = try await chunks.next() else { return nil }
            pending.append(contentsOf: chunk)
        }
    }

    /// Reads events until `count` have arrived or the stream ends.
    public func next(_ count: Int) async throws -> [Event] {
        var events: [Event] = []
        while events.count < count, let event = try await next() { events.append(event) }
        return events
    }

    /// Stops reading: the route's task is cancelled, as when a client hangs up.
    public func stop() {
        route.cancel()
    }

    /// Parses one whole event (ended by an empty line) out of what has arrived, if there is one.
    private func takeEvent() -> Event? {
        while let end = Self.endOfEvent(in: pending) {
            let block = String(decoding: pending[..<end.start], as: UTF8.self)
            pending.removeSubrange(..<end.next)
            if let event = parse(block) { return event }
        }
        return nil
    }

    private static func endOfEvent(in bytes: [UInt8]) -> (start: Int, next: Int)? {
        let newline = UInt8(ascii: "\n")
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == newline && bytes[index + 1] == newline { return (index, index + 2) }
            index += 1
        }
        return nil
    }

    private func parse(_ block: String) -> Event? {
        var event = Event(data: "")
        var dataLines: [Substring] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            guard !line.hasPrefix(":") else { continue }
            let (field, value) =
                line.firstIndex(of: ":").map { (line[..<$0], line[line.index(after: $0)...]) } ?? (line, "")
            let trimmed = value.hasPrefix(" ") ? value.dropFirst() : value
            switch field {
            case "event": event.event = String(trimmed)
            case "data": dataLines.append(trimmed)
            case "id": event.id = String(trimmed)
            case "retry": event.retry = Int(trimmed)
            default: continue
            }
        }
        if let id = event.id { lastEventID = id }
        guard !dataLines.isEmpty else { return nil }  // not dispatched, as in a browser
        event.data = dataLines.joined(separator: "\n")
        return event
    }
}
