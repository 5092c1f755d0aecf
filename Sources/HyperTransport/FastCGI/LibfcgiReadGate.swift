import CHyperSystem
import Glibc
import Logging
import Synchronization

/// Every byte libfcgi reads from a FastCGI connection passes through a request thread's gate
/// first, checked by a `FastCGIInputValidator`; a request whose input breaks the rules, or does not
/// arrive whole within `requestTimeout`, fails before libfcgi sees the offending bytes, and the
/// process goes on serving.
///
/// How the bytes get here: libfcgi reads only through its exported `OS_Read`, which it calls
/// through the PLT, so the C definition in the `CHyperSystem` target, linked into the program,
/// takes its place for every read (ELF symbol interposition) and calls `read` below with the
/// calling thread's gate. `verifyInterposition()` checks at start-up that this holds in the
/// running program, whatever the build configuration; a server refuses to start otherwise.
///
/// The rules libfcgi's coupling imposes, in one place:
/// - A gate belongs to one request thread, which is the only thread libfcgi reads on for the
///   requests it serves (`FastCGIExchange` installs it as the thread's context).
/// - `beginRequest()` is called right before each `FCGX_Accept_r`: libfcgi reads every request with
///   a new buffer from the next byte of its connection, and the validator starts afresh with it.
///   libfcgi never accepts a connection itself (its listening descriptor is -1), so one
///   `FCGX_Accept_r` reads from exactly the connection the thread handed it.
/// - A refused read returns -1 with `errno` set: `ECONNABORTED` for an aborted request,
///   `ECONNRESET` for a connection that ended inside a record, `ETIMEDOUT` for a request that did
///   not arrive in time, `EPROTO` for anything else. libfcgi then drops the request.
///
/// Why validate rather than take over the record layer: one small, fuzzed state machine guards the
/// exact bytes libfcgi parses, while libfcgi keeps doing the framing, keep-alive and output it does
/// correctly and fast, and the known crashes (CVE-2025-23016's length overflow and the
/// `FCGI_GET_VALUES` reply overflow) cannot be reached.
final class LibfcgiReadGate {
    /// How long a request may take to arrive whole, from its connection's accept (or, on a kept
    /// connection, its first byte) to the end of its body.
    let requestTimeout: Duration
    private let logger: Logger
    private var validator = FastCGIInputValidator()
    /// When the current request must have arrived whole; nil once it has.
    private var deadline: ContinuousClock.Instant?
    /// Where requests on fresh connections are counted while they arrive, and the thread's
    /// wake-up signal, which tells a counted request to give up.
    private let arrivals: ArrivalRegistry?
    private let wakeUp: WakeUpSignal?
    /// The current request's place in `arrivals`, until it has arrived whole.
    private var arrival: ArrivalRegistry.Ticket?

    /// A gate allowing each request `requestTimeout`; with `arrivals`, the first request of a
    /// fresh connection is counted there while it arrives, and gives up when told to through
    /// `wakeUp`.
    init(requestTimeout: Duration, logger: Logger, arrivals: ArrivalRegistry? = nil, wakeUp: WakeUpSignal? = nil) {
        self.requestTimeout = requestTimeout
        self.logger = logger
        self.arrivals = arrivals
        self.wakeUp = wakeUp
    }

    /// Starts checking a new request on the thread's connection; the first request of a fresh
    /// connection (`onFreshConnection`) is counted as arriving until it is whole.
    func beginRequest(onFreshConnection: Bool = false) {
        validator = FastCGIInputValidator()
        deadline = .now + requestTimeout
        endArrival()
        guard onFreshConnection, let arrivals, let wakeUp else { return }
        let (ticket, evicted) = arrivals.register(wakeUp: wakeUp)
        arrival = ticket
        if let evicted {
            logger.warning(
                "HyperFastCGI: more than \(arrivals.limit) fresh connections were still sending their request; closed the oldest",
                metadata: ["closed": "\(evicted)"])
        }
    }

    /// Stops counting the current request as arriving (it is whole, or its connection is done).
    func endArrival() {
        guard let arrival else { return }
        arrivals?.unregister(arrival)
        self.arrival = nil
    }

    /// Makes this gate the one libfcgi's reads on the calling thread go through, and routes
    /// libfcgi's reads to the gates (once per process).
    func installOnCurrentThread() {
        _ = Self.routeLibfcgiReads
        hyper_read_gate_set_thread_context(Unmanaged.passUnretained(self).toOpaque())
    }

    /// Clears the calling thread's gate: libfcgi's reads on it fail until another is installed.
    static func removeFromCurrentThread() {
        hyper_read_gate_set_thread_context(nil)
    }

    private static let routeLibfcgiReads: Void = hyper_read_gate_install { context, descriptor, buffer, count in
        guard let context else {
            errno = EPROTO
            return -1
        }
        let gate = Unmanaged<LibfcgiReadGate>.fromOpaque(context).takeUnretainedValue()
        return gate.read(descriptor, into: buffer, count: count)
    }

    /// Checks that the dynamic linker resolves libfcgi's `OS_Read` to the gate's, as libfcgi's own
    /// calls are resolved; throws otherwise.
    static func verifyInterposition() throws(LibfcgiInterpositionError) {
        guard hyper_read_gate_is_interposed() == 1 else { throw LibfcgiInterpositionError() }
    }

    /// Whether the current request has arrived whole, its body's empty record included: the web
    /// server sends nothing more for it.
    var hasWholeRequest: Bool {
        validator.hasWholeRequest
    }

    /// Reads like a blocking `read(2)` within the request's deadline, then checks what was read.
    /// Returns -1 with `errno` set when the input is refused.
    func read(_ descriptor: Int32, into buffer: UnsafeMutableRawPointer?, count: Int) -> Int {
        let result = readBeforeDeadline(descriptor, into: buffer, count: count)
        let code = errno
        do throws(FastCGIInputValidator.Violation) {
            if result > 0 {
                try validator.consume(UnsafeRawBufferPointer(start: buffer, count: result))
                if validator.hasWholeRequest {
                    deadline = nil
                    endArrival()
                } else if let deadline, ContinuousClock.now >= deadline {
                    return refuseLateRequest()
                }
            } else if result == 0 {
                try validator.endOfInput()
            } else if code == ETIMEDOUT {
                return refuseLateRequest()
            }
        } catch {
            return refuse(error)
        }
        errno = code
        return result
    }

    private func refuse(_ violation: FastCGIInputValidator.Violation) -> Int {
        validator = FastCGIInputValidator()
        switch violation {
        case .abortedRequest:
            errno = ECONNABORTED
        case .truncatedRecord:
            errno = ECONNRESET
        default:
            errno = EPROTO
            logger.warning("HyperFastCGI: refused a FastCGI peer", metadata: ["why": "\(violation)"])
        }
        return -1
    }

    private func refuseLateRequest() -> Int {
        deadline = nil
        logger.warning(
            "HyperFastCGI: refused a FastCGI peer",
            metadata: ["why": "HyperFastCGI: the request did not arrive whole within \(requestTimeout)"])
        errno = ETIMEDOUT
        return -1
    }

    /// Reads what is there, else waits for the connection to become readable until the deadline;
    /// fails with `ETIMEDOUT` when it passes. libfcgi expects a blocking read; the wait makes one
    /// that also ends when the request is late, whatever receive timeout the socket has.
    private func readBeforeDeadline(_ descriptor: Int32, into buffer: UnsafeMutableRawPointer?, count: Int) -> Int {
        while true {
            let result = recv(descriptor, buffer, count, Int32(MSG_DONTWAIT))
            guard result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) else { return result }
            var timeout: Int32 = -1
            if let deadline {
                let left = (deadline - .now).components
                guard left.seconds >= 0 && (left.seconds > 0 || left.attoseconds > 0) else {
                    errno = ETIMEDOUT
                    return -1
                }
                timeout = Int32(clamping: left.seconds * 1000 + left.attoseconds / 1_000_000_000_000_000 + 1)
            }
            if let arrival {
                // Also wakes when the request is told to give up: it ends like a connection reset.
                var watched = [
                    pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: arrival.wakeUp.descriptor, events: Int16(POLLIN), revents: 0),
                ]
                _ = poll(&watched, 2, timeout)
                if arrival.isEvicted {
                    endArrival()
                    errno = ECONNRESET
                    return -1
                }
            } else {
                var readable = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&readable, 1, timeout)
            }
        }
    }
}
