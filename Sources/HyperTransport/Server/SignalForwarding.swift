import CHyperSystem
import Glibc

/// The signals an operator may send the server, each forwarded to one waiting thread instead of
/// acting where it lands: `next()` returns them one at a time.
///
/// Every one of `operatorSignals` gets a handler that only writes the signal's number to a pipe,
/// so none of them can end the process abruptly or interrupt libfcgi (whose own `SIGUSR1` handler
/// would make every later accept fail), whichever thread receives it. Request threads and the
/// stream pump block them (`blockOnCurrentThread`), so their blocking calls are not interrupted.
///
/// ```swift
/// let signals = try SignalForwarding()
/// while signals.next() != SIGTERM {}
/// ```
public final class SignalForwarding: Sendable {
    /// `SIGHUP`, `SIGINT`, `SIGTERM`, `SIGQUIT`, `SIGUSR1` and `SIGUSR2`.
    public static let operatorSignals: [Int32] = [SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2]

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

    /// Installs the handlers (after libfcgi's, which it replaces) and unblocks the signals on the
    /// calling thread, which should be the one that calls `next()`.
    public init() throws(SetupError) {
        _ = FastCGIExchange.libraryInitialised
        var ends: [Int32] = [0, 0]
        guard hyper_pipe_cloexec(&ends) == 0 else { throw SetupError(call: "pipe2", code: errno) }
        (readEnd, writeEnd) = (ends[0], ends[1])
        _ = fcntl(writeEnd, F_SETFL, O_NONBLOCK)  // a handler never blocks; a full pipe loses a repeat only
        for signal in Self.operatorSignals {
            guard hyper_forward_signal(signal, writeEnd) == 0 else {
                throw SetupError(call: "sigaction(\(Self.name(of: signal)))", code: errno)
            }
        }
        var signals = Self.signalSet()
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    /// Waits for the next operator signal and returns its number.
    public func next() -> Int32 {
        var byte: UInt8 = 0
        while true {
            let result = read(readEnd, &byte, 1)
            if result == 1 { return Int32(byte) }
            if result < 0 && errno == EINTR { continue }
            // The write end is this object's own and stays open: no other outcome is possible.
            preconditionFailure("HyperTransport: the signal pipe failed (errno \(errno))")
        }
    }

    /// Blocks the operator signals on the calling thread.
    static func blockOnCurrentThread() {
        var signals = signalSet()
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

    private static func signalSet() -> sigset_t {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in operatorSignals { sigaddset(&signals, signal) }
        return signals
    }
}
