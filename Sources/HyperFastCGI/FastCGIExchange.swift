import CFastCGI
import Glibc

/// One FastCGI request slot owned by a single request thread: it accepts a request, reads its
/// parameters and body, and writes the response.
///
/// This file is the only place in Hyper that calls libfcgi (`FCGX_*`) or touches its raw
/// pointers. An exchange is reused for the requests its thread serves, which lets libfcgi keep a
/// connection open between them when nginx asks for it (`fastcgi_keep_conn on`). It is not
/// `Sendable`: only its owning thread may use it.
public final class FastCGIExchange {
    private let request: UnsafeMutablePointer<FCGX_Request>
    private var isInRequest = false
    /// Wakes this exchange's thread when its route produces output.
    let wakeUp: WakeUpSignal

    /// Initialises libfcgi once per process. libfcgi installs handlers for SIGPIPE, SIGUSR1 and
    /// SIGTERM here that only set flags; callers install their own signal handling afterwards.
    static let libraryInitialised: Bool = FCGX_Init() == 0

    /// Creates an exchange that accepts connections on `listeningDescriptor`; nil when the
    /// process is out of descriptors for its wake-up signal.
    init?(listeningDescriptor: Int32) {
        precondition(Self.libraryInitialised, "HyperFastCGI: FCGX_Init failed")
        guard let wakeUp = WakeUpSignal() else { return nil }
        self.wakeUp = wakeUp
        request = .allocate(capacity: 1)
        FCGX_InitRequest(request, listeningDescriptor, 0)
    }

    deinit {
        if isInRequest { FCGX_Finish_r(request) }
        FCGX_Free(request, 1)
        request.deallocate()
    }

    /// Whether the connection of the last request stays open for the next one (keep-alive).
    /// The next `accept()` then waits on that connection instead of the listening socket.
    var holdsKeptConnection: Bool {
        request.pointee.ipcFd >= 0
    }

    /// Waits for the next request, on the kept connection or a new one. Returns false when the
    /// listening socket fails (for instance because it was shut down).
    func accept() -> Bool {
        let accepted = FCGX_Accept_r(request) >= 0
        isInRequest = accepted
        return accepted
    }

    /// Ends the current request: flushes output and sends FastCGI's end-of-request record.
    func finish() {
        guard isInRequest else { return }
        FCGX_Finish_r(request)
        isInRequest = false
    }

    /// The connection's descriptor, to watch for the peer hanging up.
    var connectionDescriptor: Int32 {
        request.pointee.ipcFd
    }

    /// The FastCGI role libfcgi read from the begin-request record (1 = responder).
    var role: Int32 {
        request.pointee.role
    }

    /// Every parameter of the request, copied out of libfcgi's memory.
    public func parameters() -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        guard var cursor = request.pointee.envp else { return result }
        while let entry = cursor.pointee {
            let length = strlen(entry)
            entry.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                let pair = UnsafeBufferPointer(start: bytes, count: length)
                if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                    let name = String(decoding: UnsafeBufferPointer(rebasing: pair[..<equals]), as: UTF8.self)
                    let value = String(decoding: UnsafeBufferPointer(rebasing: pair[(equals + 1)...]), as: UTF8.self)
                    result.append((name, value))
                }
            }
            cursor += 1
        }
        return result
    }

    /// Reads up to `limit` bytes of the request body; returns the bytes and whether the body
    /// stream ended cleanly (EOF seen, no read error) within the limit.
    public func readBody(limit: Int) -> (bytes: [UInt8], complete: Bool) {
        var bytes: [UInt8] = []
        let chunk = 16 * 1024
        var buffer = [UInt8](repeating: 0, count: chunk)
        while bytes.count <= limit {
            let read = buffer.withUnsafeMutableBufferPointer { raw in
                raw.withMemoryRebound(to: CChar.self) { FCGX_GetStr($0.baseAddress, Int32(chunk), request.pointee.in) }
            }
            if read > 0 { bytes.append(contentsOf: buffer[0..<Int(read)]) }
            if read < chunk {
                let clean = FCGX_GetError(request.pointee.in) == 0 && FCGX_HasSeenEOF(request.pointee.in) != 0
                return (bytes, clean && bytes.count <= limit)
            }
        }
        return (bytes, false)
    }

    /// Writes bytes to the response stream (buffered by libfcgi). Returns false once the
    /// connection has failed.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return outputIsHealthy }
        let written = FCGX_PutStr(base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), request.pointee.out)
        return written == Int32(bytes.count) && outputIsHealthy
    }

    /// Sends everything buffered so far to the web server now. Returns false once the connection
    /// has failed.
    func flush() -> Bool {
        FCGX_FFlush(request.pointee.out)
        return outputIsHealthy
    }

    /// libfcgi reports a failed write through `FCGX_FFlush` only once; the stream's error stays.
    private var outputIsHealthy: Bool {
        FCGX_GetError(request.pointee.out) == 0
    }
}
