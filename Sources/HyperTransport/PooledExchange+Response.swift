import Glibc

/// How writing a response ended.
public struct ResponseOutcome: Sendable, Equatable {
    /// Bytes handed to the web server, headers included.
    public var bytesWritten: Int
    /// Whether the client went away before the response was complete.
    public var clientDisconnected: Bool
}

extension PooledExchange {
    /// The buffer a route's task fills while this exchange's thread writes it out.
    func makeChannel(capacity: Int) -> ResponseChannel {
        ResponseChannel(capacity: capacity, wakeUp: wakeUp)
    }

    /// Writes what the route produces into `channel` until it finishes or the client hangs up,
    /// and reports how it ended to `whenDone`, once (see `TransportExchange.writeResponse`).
    ///
    /// An ordinary response is written on this request thread, which blocks until it is done.
    /// A stream's header block is written and flushed here, then its connection is handed to the
    /// channel (see `ResponseChannel`) and this returns at once, freeing the thread. On a hang-up
    /// or a failed write the channel is closed, so the route's next `send` throws.
    func writeChannel(from channel: ResponseChannel, whenDone: @escaping @Sendable (ResponseOutcome) -> Void) {
        defer { channel.executor.detach() }
        var outcome = ResponseOutcome(bytesWritten: 0, clientDisconnected: false)
        while true {
            let healthy: Bool
            switch channel.next(watching: connectionDescriptor) {
            case .write(let chunks, let isStream):
                healthy = write(chunks, into: &outcome) && (!isStream || flush())
                if healthy && isStream {
                    let connection = releaseConnection()
                    if channel.handOff(connection, headBytes: outcome.bytesWritten, whenDone: whenDone) { return }
                    Glibc.close(connection.descriptor)
                    channel.markClientGone()
                    outcome.clientDisconnected = true
                    return whenDone(outcome)
                }
            case .finish(let chunks):
                if write(chunks, into: &outcome) { return whenDone(outcome) }
                healthy = false
            case .clientGone:
                healthy = false
            }
            if !healthy {
                channel.markClientGone()
                outcome.clientDisconnected = true
                return whenDone(outcome)
            }
        }
    }

    /// Writes a complete response that is already in memory.
    func writeBytes(_ bytes: [UInt8]) -> ResponseOutcome {
        var outcome = ResponseOutcome(bytesWritten: 0, clientDisconnected: false)
        outcome.clientDisconnected = !write([bytes], into: &outcome)
        return outcome
    }

    private func write(_ chunks: [[UInt8]], into outcome: inout ResponseOutcome) -> Bool {
        for chunk in chunks {
            guard chunk.withUnsafeBytes({ write($0) }) else { return false }
            outcome.bytesWritten += chunk.count
        }
        return true
    }
}
