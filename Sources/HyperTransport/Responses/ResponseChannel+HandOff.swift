extension ResponseChannel {
    /// Takes over `connection`, whose header block (`headBytes` bytes) the request thread has
    /// written, and registers it with the pump; `whenDone` is called once, when the response
    /// has ended or the client has gone. Returns false, taking nothing over, if the connection
    /// could not be made non-blocking, the pump refused it, or the response is no longer
    /// buffering (the caller then ends the response itself).
    func handOff(
        _ connection: StreamConnection, headBytes: Int, whenDone: @escaping @Sendable (ResponseOutcome) -> Void
    ) -> Bool {
        guard connection.isNonBlocking, let token = pump.add(self, descriptor: connection.descriptor) else {
            return false
        }
        let pending = state.withLock { locked in
            locked.machine.handOff(connection, token: token, headBytes: headBytes, whenDone: whenDone, io: pumpIO)
                .map { locked.pending($0) }
        }
        guard let pending else {
            pump.remove(descriptor: connection.descriptor, token: token)
            return false
        }
        run(pending)
        return true
    }

    /// The pump saw the connection writable again.
    func connectionWritable() {
        run(state.withLock { $0.pending { $0.connectionWritable(io: pumpIO) } })
    }

    /// Bytes the handed-off stream has pending in `budget` (0 if it counts elsewhere or is over).
    func pendingBytes(in budget: PendingBudget) -> Int {
        state.withLock { locked in
            guard case .handedOff(let handedOff) = locked.machine.state, handedOff.connection.budget === budget else {
                return 0
            }
            return handedOff.connection.pendingBytes
        }
    }

    /// The pump closes the stream to bring its pending budget back within its limit (nothing if
    /// it is no longer handed off).
    func closeForBudget() {
        let pending = state.withLock { locked in locked.machine.closeForBudget().map { locked.pending($0) } }
        if let pending { run(pending) }
    }

    /// The pump saw the web server close the connection: the client has gone.
    func connectionHungUp() {
        run(state.withLock { $0.pending { $0.connectionHungUp() } })
    }

    /// Sends the heartbeat if the stream has been silent for its interval.
    func sendHeartbeatIfDue(at now: ContinuousClock.Instant) {
        run(state.withLock { $0.pending { $0.sendHeartbeatIfDue(at: now, io: pumpIO) } })
    }

    /// The handed-off connection's I/O: its own non-blocking writes, the pump's watch.
    var pumpIO: PumpIO { PumpIO(pump: pump) }

    struct PumpIO: HandedOffIO {
        let pump: StreamPump

        func write(_ connection: inout StreamConnection) -> StreamConnection.WriteOutcome {
            connection.writePending()
        }

        func watchWritable(_ watch: Bool, descriptor: Int32, token: UInt64) -> Bool {
            pump.watchWritable(watch, descriptor: descriptor, token: token)
        }
    }
}
