/// One row of the event log.
public struct StoredEvent: Sendable, Equatable {
    public let id: Int64
    public let topic: String
    public let payload: [UInt8]

    public init(id: Int64, topic: String, payload: [UInt8]) {
        self.id = id
        self.topic = topic
        self.payload = payload
    }
}
