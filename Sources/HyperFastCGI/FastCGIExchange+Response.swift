/// How writing a response ended.
public struct ResponseOutcome: Sendable, Equatable {
    /// Bytes handed to the web server, headers included.
    public var bytesWritten: Int
    /// Whether the client went away before the response was complete.
    public var clientDisconnected: Bool
}

extension FastCGIExchange {
    /// Creates the buffer a route's task fills while this thread writes it out.
    public func makeResponseChannel(capacity: Int = 64 * 1024) -> ResponseChannel {
        ResponseChannel(capacity: capacity, wakeUp: wakeUp)
    }

    /// Writes everything the route produces into `channel` until it finishes or the client hangs
    /// up, blocking this request thread. Streams are flushed chunk by chunk; on a hang-up or a
    /// failed write the channel is closed, so the route's next `send` throws.
    public func writeResponse(from channel: ResponseChannel) -> ResponseOutcome {
        defer { channel.executor.detach() }
        var outcome = ResponseOutcome(bytesWritten: 0, clientDisconnected: false)
        while true {
            let healthy: Bool
            switch channel.next(watching: connectionDescriptor) {
            case .write(let chunks, let flushes):
                healthy = write(chunks, into: &outcome) && (!flushes || flush())
            case .finish(let chunks):
                if write(chunks, into: &outcome) { return outcome }
                healthy = false
            case .heartbeat(let bytes):
                healthy = write([bytes], into: &outcome) && flush()
            case .clientGone:
                healthy = false
            }
            if !healthy {
                channel.markClientGone()
                outcome.clientDisconnected = true
                return outcome
            }
        }
    }

    /// Writes a complete response that is already in memory.
    @discardableResult
    public func writeResponse(_ bytes: [UInt8]) -> ResponseOutcome {
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
