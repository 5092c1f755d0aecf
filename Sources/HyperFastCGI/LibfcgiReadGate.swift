import Glibc
import Logging
import Synchronization

/// Every byte libfcgi reads from a FastCGI connection passes through here first, checked by a
/// `FastCGIInputValidator` per connection; a connection whose input breaks the rules is failed
/// before libfcgi sees the offending bytes, and the process goes on serving.
///
/// Why validate rather than take over the record layer: libfcgi reads only through its exported
/// `OS_Read`, which it calls through the PLT, so the definition below, in the executable, takes
/// its place for every read (ELF symbol interposition; `ldd`/`objdump -d libfcgi.so.0` shows
/// `call OS_Read@plt`). One small, fuzzed state machine then guards the exact bytes libfcgi
/// parses, while libfcgi keeps doing the framing, keep-alive and output it does correctly and
/// fast, and the two known crashes (CVE-2025-23016's length overflow and the `FCGI_GET_VALUES`
/// reply overflow) cannot be reached. Replacing libfcgi would mean re-implementing and
/// re-testing all of that; the design keeps it. A fully static link that pulls in libfcgi's own
/// `OS_Read` would clash with this symbol at link time rather than silently lose the check.
enum LibfcgiReadGate {
    /// Each connection's validator, in one of 64 shards by descriptor number: every read of
    /// every request thread passes here, and one lock for all of them made the threads queue
    /// on it (a third of the CPU time at 100 threads, with the throughput divided by three).
    private final class Shard: Sendable {
        let validators = Mutex<[Int32: FastCGIInputValidator]>([:])
    }

    private static let shards = (0..<64).map { _ in Shard() }

    private static func shard(of descriptor: Int32) -> Shard {
        shards[Int(descriptor) & 63]
    }
    private static let logger = Mutex<Logger?>(nil)

    /// Where refused input is reported (the first server's logger).
    static func report(to newLogger: Logger) {
        logger.withLock { if $0 == nil { $0 = newLogger } }
    }

    /// Forgets `descriptor`'s state: call it before the connection is closed, since the next
    /// connection may get the same descriptor number.
    static func forget(_ descriptor: Int32) {
        _ = shard(of: descriptor).validators.withLock { $0.removeValue(forKey: descriptor) }
    }

    /// Reads like a blocking `read(2)`, then checks what was read. Returns -1 with `errno` set when the
    /// input is refused: `ECONNABORTED` for an aborted request, `ECONNRESET` for a connection
    /// that ended inside a record, `EPROTO` for anything else.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawPointer?, count: Int) -> Int {
        let result = readWaitingOutTimeouts(descriptor, into: buffer, count: count)
        var violation: FastCGIInputValidator.Violation?
        if result > 0 {
            violation = shard(of: descriptor).validators.withLock { validators -> FastCGIInputValidator.Violation? in
                var validator = validators[descriptor] ?? FastCGIInputValidator()
                do throws(FastCGIInputValidator.Violation) {
                    try validator.consume(UnsafeRawBufferPointer(start: buffer, count: result))
                    validators[descriptor] = validator
                    return nil
                } catch {
                    validators[descriptor] = nil
                    return error
                }
            }
        } else {
            let code = errno
            let validator = shard(of: descriptor).validators.withLock { $0.removeValue(forKey: descriptor) }
            if result == 0, let validator {
                do throws(FastCGIInputValidator.Violation) {
                    try validator.endOfInput()
                } catch {
                    violation = error
                }
            }
            errno = code
        }
        guard let violation else { return result }
        switch violation {
        case .abortedRequest:
            errno = ECONNABORTED
        case .truncatedRecord:
            errno = ECONNRESET
        default:
            errno = EPROTO
            logger.withLock { $0 }?.warning("HyperFastCGI: refused a FastCGI peer", metadata: ["why": "\(violation)"])
        }
        return -1
    }

    /// Reads like a blocking `read(2)`, which is what libfcgi expects: a read that fails with
    /// `EAGAIN` waits until the connection is readable and tries again. A TCP connection
    /// inherits its listening socket's receive timeout (`ListeningSocket.acceptWaitLimit`), and
    /// libfcgi would take a request whose records pause that long for a broken connection.
    private static func readWaitingOutTimeouts(
        _ descriptor: Int32, into buffer: UnsafeMutableRawPointer?, count: Int
    ) -> Int {
        while true {
            let result = Glibc.read(descriptor, buffer, count)
            guard result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) else { return result }
            var readable = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&readable, 1, -1)
        }
    }
}

/// libfcgi's `int OS_Read(int fd, char *buf, size_t len)`, replaced: see `LibfcgiReadGate`.
@_cdecl("OS_Read")
func libfcgiRead(_ descriptor: Int32, _ buffer: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int32 {
    Int32(LibfcgiReadGate.read(descriptor, into: buffer, count: count))
}
