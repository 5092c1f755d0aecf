/// What a `Hub` subscription yields: the topic's next message, or a `reset` saying that the
/// subscriber cannot have every message it asked for.
public enum HubDelivery<Message: Sendable>: Sendable {
    /// The next message of the topic, in order, exactly once.
    case event(HubEvent<Message>)
    /// Messages were not delivered and never will be on this subscription; the subscription
    /// carries on with the messages published after `HubReset.resumeID`. A page re-renders
    /// the part of itself that shows the topic.
    case reset(HubReset)
}

/// Why a subscription could not deliver every message after the id it resumed from, and
/// where it carries on.
public struct HubReset: Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable, Equatable {
        /// The resume point was not a valid id (the value as received, at most 256 bytes).
        case invalidID(String)
        /// The id is greater than any this history has issued: it comes from another history,
        /// such as one before a restart of an in-memory hub.
        case unknownID(EventID)
        /// History no longer holds every message after the id (they were too many, or too old).
        case expired(EventID)
        /// The subscriber read so slowly that messages it had not read left history.
        case fellBehind(EventID)
    }

    public let reason: Reason
    /// The subscription yields the messages with greater ids than this one next; a stream sends
    /// it as the `reset` event's `id:`, so a reconnect resumes from here.
    public let resumeID: EventID

    public init(reason: Reason, resumeID: EventID) {
        self.reason = reason
        self.resumeID = resumeID
    }

    /// A short reason, sent as the `reset` event's data: `invalid-id`, `unknown-id`, `expired`
    /// or `fell-behind`.
    public var code: String {
        switch reason {
        case .invalidID: "invalid-id"
        case .unknownID: "unknown-id"
        case .expired: "expired"
        case .fellBehind: "fell-behind"
        }
    }

    public var description: String {
        switch reason {
        case .invalidID(let value): "Hyper: reset: \(value.debugDescription) is not an event id"
        case .unknownID(let id): "Hyper: reset: event id \(id) is unknown to this history"
        case .expired(let id): "Hyper: reset: history no longer covers event id \(id)"
        case .fellBehind(let id): "Hyper: reset: subscriber fell behind history at event id \(id)"
        }
    }
}

extension HubDelivery: Equatable where Message: Equatable {}

extension HubEvent: Equatable where Message: Equatable {
    /// Events are equal when their ids and messages are.
    public static func == (lhs: HubEvent, rhs: HubEvent) -> Bool {
        lhs.id == rhs.id && lhs.message == rhs.message
    }
}
