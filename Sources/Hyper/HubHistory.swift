/// How much of each topic a hub keeps so that subscribers can resume: at most `maximumCount`
/// messages, none older than `maximumAge`. A message leaves history when either bound is passed.
///
/// Each held message costs its own size plus about 64 bytes of bookkeeping (its id, publishing
/// time and encoding slot); its encoded wire form, once a stream has sent it, about as much again
/// as the payload. A topic's history therefore holds at most `maximumCount` messages, whose memory
/// `make bench` measures (BENCHMARKS.md).
public struct HubHistory: Sendable, Equatable {
    /// The most messages kept per topic; 0 keeps none, so only subscribers waiting when a
    /// message is published receive it and one that is busy then gets a `reset`.
    public var maximumCount: Int
    /// How long a message stays in history.
    public var maximumAge: Duration

    /// Keeps up to `maximumCount` messages (negative counts as 0) for up to `maximumAge`.
    public init(maximumCount: Int = 1_000, maximumAge: Duration = .seconds(600)) {
        self.maximumCount = max(0, maximumCount)
        self.maximumAge = maximumAge
    }

    /// 1,000 messages or 10 minutes per topic.
    public static let `default` = HubHistory()
}
