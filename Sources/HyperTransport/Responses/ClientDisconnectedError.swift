/// Thrown by `ResponseChannel.send` once the client has gone away.
public struct ClientDisconnectedError: Error, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "HyperTransport: the client disconnected" }
}
