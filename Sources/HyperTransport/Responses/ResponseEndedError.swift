/// Thrown by `ResponseChannel.send` once the response was ended from outside the route
/// (`ResponseChannel.end(appending:)`), for instance because the server is shutting down.
public struct ResponseEndedError: Error, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "HyperTransport: the response was ended by the server" }
}
