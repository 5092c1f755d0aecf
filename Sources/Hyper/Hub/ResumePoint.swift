/// Where a subscription to a `Hub` topic starts, as the client asked.
public enum ResumePoint: Sendable, Equatable {
    /// From now on: the client named no id (a first connection).
    case live
    /// After this id: every message of the topic with a greater id, then the live ones.
    case after(EventID)
    /// The client sent an id that is not one (not a number, negative, too large, too long, with
    /// control characters); the subscription starts with a `reset`, then goes live. The value is
    /// kept, at most 256 bytes of it, for the log line.
    case invalid(String)

    /// The resume point written as `text` (a `Last-Event-ID` or `after=` value).
    public init(_ text: String) {
        if let id = EventID(text) {
            self = .after(id)
        } else {
            self = .invalid(String(decoding: text.utf8.prefix(Self.maximumLoggedLength), as: UTF8.self))
        }
    }

    /// How much of an invalid value is kept.
    static let maximumLoggedLength = 256
}

extension Request {
    /// Where the client asks its event stream to resume: `Last-Event-ID` (which a reconnecting
    /// EventSource sends) when present and not empty, else the query parameter `after`
    /// (which a page puts in its `sse-connect` URL, and which htmx 2 keeps when it reconnects),
    /// else `.live`.
    public var resumePoint: ResumePoint {
        if let header = header(.lastEventID), !header.isEmpty {
            return ResumePoint(header)
        }
        if let after = query["after"] {
            return ResumePoint(after)
        }
        return .live
    }
}
