/// What the event log can still replay: ids above `prunedThrough`, up to `latest`.
public struct EventLogHorizon: Sendable, Equatable {
    /// The highest id retention deleted; a resume from below it has a gap.
    public let prunedThrough: Int64
    /// The highest id written.
    public let latest: Int64
}
