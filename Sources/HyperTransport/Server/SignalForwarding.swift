import CHyperSystem
import Glibc
import Synchronization

/// The signals an operator may send the server, each forwarded to one waiting thread instead of
/// acting where it lands: `next()` returns them one at a time.
///
/// Every forwarded signal gets a handler that only writes the signal's number to a pipe, so none
/// of them can end the process abruptly or interrupt libfcgi (whose own `SIGUSR1` handler would
/// make every later accept fail), whichever thread receives it. Request threads and the stream
/// pump block all of `operatorSignals` (`blockOnCurrentThread`), so their blocking calls are not
/// interrupted. The stopping signals (`SIGTERM`, `SIGINT`, `SIGQUIT`) are left out when a
/// swift-service-lifecycle `ServiceGroup` takes them (`informationalSignals`).
///
/// ```swift
/// let signals = try SignalForwarding(forwarding: SignalForwarding.informationalSignals)
/// while let signal = signals.next() { print(SignalForwarding.name(of: signal)) }   // nil after stop()
/// ```
public final class SignalForwarding: Sendable {
    /// `SIGHUP`, `SIGINT`, `SIGTERM`, `SIGQUIT`, `SIGUSR1` and `SIGUSR2`.
    public static let operatorSignals: [Int32] = [SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2]
    /// `SIGHUP`, `SIGUSR1` and `SIGUSR2`: the operator signals that do not stop the server.
    public static let informationalSignals: [Int32] = [SIGHUP, SIGUSR1, SIGUSR2]

    /// Why the signals could not be forwarded.
    public struct SetupError: Error, CustomStringConvertible {
        public let call: String
        public let code: Int32
        public var description: String {
            "HyperTransport: cannot forward signals: \(call): \(String(cString: strerror(code)))"
        }
    }

    private let readEnd: Int32
    private let writeEnd: Int32
    private let stopped = Atomic<Bool>(false)

    /// Installs the handlers of `signals`, a subset of `operatorSignals` (after libfcgi's, which
    /// they replace), and unblocks them on the calling thread.
    public init(forwarding signals: [Int32] = operatorSignals) throws(SetupError) {
        precondition(
            signals.allSatisfy(Self.operatorSignals.contains), "HyperTransport: only operator signals are forwarded")
        _ = FastCGIExchange.libraryInitialised
        var ends: [Int32] = [0, 0]
        guard hyper_pipe_cloexec(&ends) == 0 else { throw SetupError(call: "pipe2", code: errno) }
        (readEnd, writeEnd) = (ends[0], ends[1])
        _ = fcntl(writeEnd, F_SETFL, O_NONBLOCK)  // a handler never blocks; a full pipe loses a repeat only
        for signal in signals {
            guard hyper_forward_signal(signal, writeEnd) == 0 else {
                throw SetupError(call: "sigaction(\(Self.name(of: signal)))", code: errno)
            }
        }
        var unblocked = Self.signalSet(signals)
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
    }

    /// Waits for the next forwarded signal and returns its number; nil once `stop()` was called.
    /// It blocks its thread: call it from a thread of its own, never from Swift's cooperative pool.
    public func next() -> Int32? {
        var byte: UInt8 = 0
        while !stopped.load(ordering: .acquiring) {
            let result = read(readEnd, &byte, 1)
            if result == 1 { return byte == 0 ? nil : Int32(byte) }
            if result < 0 && errno == EINTR { continue }
            // The write end is this object's own and stays open: no other outcome is possible.
            preconditionFailure("HyperTransport: the signal pipe failed (errno \(errno))")
        }
        return nil
    }

    /// Makes the waiting `next()`, and every later one, return nil. The handlers stay installed:
    /// a signal that comes later is still kept from acting where it lands.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        var stop: UInt8 = 0  // no signal has the number 0
        while write(writeEnd, &stop, 1) < 0 && errno == EINTR {}
    }

    /// Blocks the operator signals on the calling thread.
    static func blockOnCurrentThread() {
        var signals = signalSet(operatorSignals)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// The signal's conventional name, such as `SIGTERM`.
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGHUP: "SIGHUP"
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGQUIT: "SIGQUIT"
        case SIGUSR1: "SIGUSR1"
        case SIGUSR2: "SIGUSR2"
        default: "signal \(signal)"
        }
    }

    private static func signalSet(_ members: [Int32]) -> sigset_t {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in members { sigaddset(&signals, signal) }
        return signals
    }
}
