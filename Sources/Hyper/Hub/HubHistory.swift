/// How much of each topic a hub keeps so that subscribers can resume: at most `maximumCount`
/// messages, none older than `maximumAge`, and, over all topics sharing `budget`, at most
/// `budget.limit` bytes. A message leaves history when any bound is passed; a message larger than
/// `maximumMessageBytes` is refused when published (`HubMessageTooLargeError`, a 413).
///
/// A message's bytes are the size it reports (`HubMessageSize`). Once a stream has sent it, its
/// encoded wire form is kept with it as well, roughly as large again, and shared by every stream
/// that sends it. `make bench` measured 271 KiB for 1,000 chat messages of 89 bytes of text
/// before encoding (BENCHMARKS.md).
public struct HubHistory: Sendable, Equatable {
    /// The most messages kept per topic; 0 keeps none, so only subscribers waiting when a
    /// message is published receive it and one that is busy then gets a `reset`.
    public var maximumCount: Int
    /// How long a message stays in history.
    public var maximumAge: Duration
    /// The largest message a topic takes, in bytes (`HubMessageSize`); a larger one is refused.
    public var maximumMessageBytes: Int
    /// The bytes every history sharing it may hold together; the oldest messages of the largest
    /// topics leave first.
    public var budget: HistoryBudget

    /// The default largest message: 256 KiB.
    public static let defaultMaximumMessageBytes = 256 * 1024

    /// Keeps up to `maximumCount` messages (negative counts as 0) for up to `maximumAge`, each of
    /// at most `maximumMessageBytes`, all topics together within `budget`.
    public init(
        maximumCount: Int = 1_000, maximumAge: Duration = .seconds(600),
        maximumMessageBytes: Int = defaultMaximumMessageBytes, budget: HistoryBudget = .shared
    ) {
        self.maximumCount = max(0, maximumCount)
        self.maximumAge = maximumAge
        self.maximumMessageBytes = max(0, maximumMessageBytes)
        self.budget = budget
    }

    /// 1,000 messages or 10 minutes per topic, messages of up to 256 KiB, 64 MiB for all topics of
    /// the process (`HistoryBudget.shared`).
    public static let `default` = HubHistory()

    /// Histories are equal when their bounds are and they share one budget.
    public static func == (lhs: HubHistory, rhs: HubHistory) -> Bool {
        lhs.maximumCount == rhs.maximumCount && lhs.maximumAge == rhs.maximumAge
            && lhs.maximumMessageBytes == rhs.maximumMessageBytes && lhs.budget === rhs.budget
    }
}
