import Synchronization

/// Who decides how an append ends when its caller's deadline and the sending of its statement
/// race: the append sends the statement only if the caller has not given up first, and the
/// caller reports "nothing stored" only if the statement has not been sent. Whoever moves first
/// wins; the other one learns it.
final class AppendAttempt: Sendable {
    private enum Phase {
        /// Waiting for a connection; nothing has reached the database.
        case waiting
        /// The statement is sent (or about to be): the outcome is the server's.
        case sent
        /// The caller has given up; the statement will never be sent.
        case abandoned
    }

    private let phase = Mutex(Phase.waiting)

    /// Whether the append may send its statement: true unless the caller has given up.
    func send() -> Bool {
        phase.withLock { phase in
            guard case .waiting = phase else { return false }
            phase = .sent
            return true
        }
    }

    /// Gives up on the append: true when its statement can no longer be sent, false when it was
    /// sent first (and only the server's answer can tell the outcome).
    func abandon() -> Bool {
        phase.withLock { phase in
            switch phase {
            case .waiting, .abandoned:
                phase = .abandoned
                return true
            case .sent:
                return false
            }
        }
    }
}
