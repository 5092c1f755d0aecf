import CFastCGI
import Glibc
import Synchronization

/// The server's "stop" flag, also as a descriptor, so that a request thread idle on a kept
/// connection can sleep in one `poll(2)` on the connection and on the stop, and wake for either.
///
/// Once raised the signal stays raised: the `eventfd(2)` counter is never read back, so every
/// later wait returns at once. No thread blocks in a read of an idle connection, and threads
/// waiting in `accept(2)` give up within `ListeningSocket.acceptWaitLimit` and check the flag:
/// that is what lets a graceful stop leave a shared listening socket (systemd's) untouched
/// instead of shutting it down under the feet of the next instance.
final class StopSignal: Sendable {
    /// What an idle thread found when it woke.
    enum Wake: Equatable {
        /// The watched descriptor has something to read (a connection, a request, or EOF).
        case readable
        /// The server is stopping and the watched descriptor has nothing to read.
        case stopped
    }

    private let descriptor: Int32
    private let raised = Atomic<Bool>(false)

    init() {
        descriptor = eventfd(0, Int32(EFD_CLOEXEC))
        precondition(
            descriptor >= 0, "HyperTransport: eventfd failed: \(String(cString: strerror(errno)))")
    }

    deinit {
        close(descriptor)
    }

    /// Whether `raise` has been called.
    var isRaised: Bool {
        raised.load(ordering: .acquiring)
    }

    /// Wakes every thread in `wait` now and in the future.
    func raise() {
        guard !raised.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(descriptor, $0.baseAddress, 8) }
    }

    /// Sleeps until `watched` is readable or the signal is raised. Readability wins when both
    /// hold, so a request that reached a kept connection just before the stop is still served.
    func wait(watching watched: Int32) -> Wake {
        var descriptors = [
            pollfd(fd: watched, events: Int16(POLLIN), revents: 0),
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let ready = poll(&descriptors, nfds_t(descriptors.count), -1)
            if ready < 0 && errno == EINTR { continue }
            if descriptors[0].revents != 0 || ready < 0 { return .readable }
            return .stopped
        }
    }
}
