extension ResponseChannel {
    /// What the request thread does next.
    enum Next {
        /// Write these chunks; if `isStream`, flush them and hand the connection off.
        case write([[UInt8]], isStream: Bool)
        /// Write these chunks, then the response is complete.
        case finish([[UInt8]])
        /// The client hung up.
        case clientGone
    }

    /// Blocks the request thread until there is something to write, the response ends, or the
    /// client hangs up on `connection`.
    func next(watching connection: Int32) -> Next {
        while true {
            executor.runPendingJobs()
            let (step, producer) = state.withLock { locked in
                let step = locked.machine.nextRequestThreadStep()
                switch step {
                case .write(_, _, resumesProducer: true), .finish(_, resumesProducer: true):
                    return (step, locked.producer.take())
                case .write, .finish, .sleep, .clientGone:
                    return (step, nil)
                }
            }
            producer?.resume()
            switch step {
            case .write(let chunks, let isStream, _):
                return .write(chunks, isStream: isStream)
            case .finish(let chunks, _):
                return .finish(chunks)
            case .clientGone:
                return .clientGone
            case .sleep:
                break
            }
            guard executor.prepareToSleep() else {
                state.withLock { $0.machine.consumerStaysAwake() }
                continue
            }
            let outcome = wakeUp.wait(watching: connection)
            executor.wokeUp()
            if outcome == .hungUp {
                markClientGone()
                return .clientGone
            }
        }
    }

    /// Records that the client is gone: the producer's pending and future `send`s throw.
    func markClientGone() {
        run(state.withLock { $0.pending { $0.clientLeft() } })
    }
}
