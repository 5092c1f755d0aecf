import CHyperSystem
import Glibc

/// How `PooledExchange.acceptConnection` ended.
enum AcceptOutcome: Equatable {
    /// A connection was accepted; read its request with `readRequest`.
    case connection
    /// No connection came within the listening socket's wait limit, or one that came was gone
    /// before it could be accepted.
    case nothingQueued
    /// Accepting failed with this `errno`.
    case failed(Int32)

    /// Accepts one connection on `listeningDescriptor` into `connection` (close-on-exec, and
    /// `TCP_NODELAY` on TCP: responses go out in few writes, no need to wait for acknowledgements).
    static func accept(on listeningDescriptor: Int32, isTCP: Bool, into connection: inout Int32) -> AcceptOutcome {
        let accepted = hyper_accept_cloexec(listeningDescriptor)
        guard accepted >= 0 else {
            switch errno {
            case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED, EPROTO: return .nothingQueued
            case let code: return .failed(code)
            }
        }
        if isTCP {
            var one: Int32 = 1
            _ = setsockopt(accepted, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        connection = accepted
        return .connection
    }
}
