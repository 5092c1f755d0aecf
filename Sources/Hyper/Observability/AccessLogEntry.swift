import Synchronization

/// What the access log says of one response, filled in by the route's task and the request
/// thread. It also holds a stream's place in the application's `StreamRegistry` until the
/// response has ended on the wire, whichever of the two comes first.
final class AccessLogEntry: Sendable {
    private struct State {
        var status = 0
        var route: String?
        var clientDisconnected = false
        var stream: StreamRegistry.Entry?
        var endedByServer = false
        var admittedStream: StreamRegistry.Entry?
        var hasEnded = false
    }

    private let state = Mutex(State())

    /// The status sent.
    var status: Int {
        get { state.withLock { $0.status } }
        set { state.withLock { $0.status = newValue } }
    }

    /// The pattern of the route that answered, if one did.
    var route: String? {
        get { state.withLock { $0.route } }
        set { state.withLock { $0.route = newValue } }
    }

    /// Whether the client went away before the response was complete.
    var clientDisconnected: Bool {
        get { state.withLock { $0.clientDisconnected } }
        set { state.withLock { $0.clientDisconnected = newValue } }
    }

    /// The stream's registry entry, if the body was streamed.
    var stream: StreamRegistry.Entry? {
        get { state.withLock { $0.stream } }
        set { state.withLock { $0.stream = newValue } }
    }

    /// Whether the server ended the stream (shutdown) rather than its route or its client.
    var endedByServer: Bool {
        get { state.withLock { $0.endedByServer } }
        set { state.withLock { $0.endedByServer = newValue } }
    }

    /// Keeps `stream`, just admitted in the registry, until the response ends on the wire
    /// (`responseEnded()`). Returns false if it already has (its client left while the route
    /// ran): the caller then removes the stream from the registry itself.
    func keepUntilEnd(_ stream: StreamRegistry.Entry) -> Bool {
        state.withLock { state in
            guard !state.hasEnded else { return false }
            state.admittedStream = stream
            return true
        }
    }

    /// Records that the response has ended on the wire; returns the admitted stream, if any, for
    /// the caller to remove from the registry.
    func responseEnded() -> StreamRegistry.Entry? {
        state.withLock { state in
            state.hasEnded = true
            return state.admittedStream.take()
        }
    }
}
