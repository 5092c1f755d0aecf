import CFastCGI
import Glibc

/// An `eventfd(2)` a request thread sleeps on, together with its connection, so that one
/// `poll(2)` wakes it for new output from the route or for the client hanging up.
///
/// Each request thread owns one for its lifetime; any thread may `signal` it.
final class WakeUpSignal: Sendable {
    enum Outcome {
        case signalled
        case hungUp
    }

    /// The eventfd, readable while signalled.
    let descriptor: Int32

    /// Creates the eventfd; nil when the process is out of descriptors.
    init?() {
        descriptor = eventfd(0, Int32(EFD_CLOEXEC))
        guard descriptor >= 0 else { return nil }
    }

    deinit {
        close(descriptor)
    }

    /// Wakes the thread waiting in `wait`, or makes its next `wait` return at once.
    func signal() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(descriptor, $0.baseAddress, 8) }
    }

    /// Takes back a `signal` not yet waited for, if there is one; never blocks.
    func clear() {
        var signalled = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&signalled, 1, 0) > 0 else { return }
        var counter: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &counter) { read(descriptor, $0.baseAddress, 8) }
    }

    /// Sleeps until `signal` is called or `connection` is hung up by the peer.
    func wait(watching connection: Int32) -> Outcome {
        var descriptors = [
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: connection, events: Int16(HYPER_POLLRDHUP), revents: 0),
        ]
        var ready: Int32
        repeat {
            ready = poll(&descriptors, nfds_t(descriptors.count), -1)
        } while ready < 0 && errno == EINTR
        if descriptors[1].revents & Int16(HYPER_POLLRDHUP | POLLHUP | POLLERR | POLLNVAL) != 0 {
            return .hungUp
        }
        if descriptors[0].revents & Int16(POLLIN) != 0 {
            var counter: UInt64 = 0
            _ = withUnsafeMutableBytes(of: &counter) { read(descriptor, $0.baseAddress, 8) }
        }
        return .signalled
    }
}
