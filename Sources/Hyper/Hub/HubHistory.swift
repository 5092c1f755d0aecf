/// How much of each topic a hub keeps so that subscribers can resume: at most `maximumCount`
/// messages, none older than `maximumAge`. A message leaves history when either bound is passed.
///
/// A topic's history holds at most `maximumCount` messages. Each costs the message itself plus its
/// id, publishing time and encoding slot, and, once a stream has sent it, its encoded wire form:
/// `make bench` measured 271 KiB for 1,000 chat messages of 89 bytes of text before encoding
/// (BENCHMARKS.md).
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
