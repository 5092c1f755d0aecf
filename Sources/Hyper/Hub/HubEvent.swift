import Synchronization

/// One message of a `Hub` topic with its id.
///
/// A stream sends it with `EventSink.send(_:encoding:)`, which encodes it once for all the
/// subscribers that send it (the encoding is kept with the event).
public struct HubEvent<Message: Sendable>: Sendable {
    /// The message's id in its topic.
    public let id: EventID
    /// The message as it was published.
    public let message: Message
    /// The wire form, made by the first subscriber that sends the event.
    let encoding = EncodingCache()

    public init(id: EventID, message: Message) {
        self.id = id
        self.message = message
    }
}

/// The encoded form of one hub event, shared by every subscriber that sends it.
final class EncodingCache: Sendable {
    private let bytes = Mutex<[UInt8]?>(nil)

    /// The cached bytes, made by `encode` on first use. Two first uses at once may both encode;
    /// both get the bytes cached first, so every stream queues the same storage.
    func bytes(_ encode: () throws -> [UInt8]) rethrows -> [UInt8] {
        if let cached = bytes.withLock({ $0 }) { return cached }
        let made = try encode()
        return bytes.withLock { cached in
            if let cached { return cached }
            cached = made
            return made
        }
    }
}
