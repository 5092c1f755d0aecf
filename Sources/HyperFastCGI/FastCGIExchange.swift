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
    /// The server's count of streams handed off and still open.
    let openStreams: OpenStreamCount

    /// Initialises libfcgi once per process. libfcgi installs handlers for SIGPIPE, SIGUSR1 and
    /// SIGTERM here that only set flags; callers install their own signal handling afterwards.
    static let libraryInitialised: Bool = FCGX_Init() == 0

    /// Creates an exchange that accepts connections on `listeningDescriptor`, counting its
    /// handed-off streams in `openStreams`; nil when the
    /// process is out of descriptors for its wake-up signal.
    init?(listeningDescriptor: Int32, openStreams: OpenStreamCount) {
        precondition(Self.libraryInitialised, "HyperFastCGI: FCGX_Init failed")
        guard let wakeUp = WakeUpSignal() else { return nil }
        self.wakeUp = wakeUp
        self.openStreams = openStreams
        request = .allocate(capacity: 1)
        FCGX_InitRequest(request, listeningDescriptor, 0)
    }

    deinit {
        if isInRequest { FCGX_Finish_r(request) }
        closeConnection()
        request.deallocate()
    }

    /// Whether the connection of the last request stays open for the next one (keep-alive).
    /// The next `accept()` then waits on that connection instead of the listening socket.
    var holdsKeptConnection: Bool {
        request.pointee.ipcFd >= 0
    }

    /// How `accept` ended.
    enum AcceptOutcome: Equatable {
        /// A request was read; serve it, then call `finish`.
        case request
        /// No connection came within the listening socket's wait limit, or the kept connection
        /// was closed by the peer and nothing else was queued.
        case nothingQueued
        /// Accepting failed with this `errno`.
        case failed(Int32)
    }

    /// Reads the next request from the kept connection, or else accepts a connection on the
    /// listening socket and reads its first request. Call it on a kept connection once
    /// `StopSignal.wait` has seen it readable; on the listening socket it waits for a connection
    /// for at most `ListeningSocket.acceptWaitLimit`.
    func accept() -> AcceptOutcome {
        let result = FCGX_Accept_r(request)
        if result >= 0 {
            // libfcgi accepts a request whose parameters ended early (a begin-request record, then
            // end-of-file or a refused record): such a request is dropped, never handed on.
            guard FCGX_GetError(request.pointee.in) == 0 else {
                closeConnection()
                return .nothingQueued
            }
            isInRequest = true
            return .request
        }
        let code = result == -9999 ? errno : -result
        return code == EAGAIN || code == EWOULDBLOCK ? .nothingQueued : .failed(code)
    }

    /// Closes the kept connection without reading from it: the peer sees end-of-file and drops
    /// the connection from its pool. Used by an idle thread when the server stops.
    func closeConnection() {
        if request.pointee.ipcFd >= 0 { LibfcgiReadGate.forget(request.pointee.ipcFd) }
        FCGX_Free(request, 1)
    }

    /// Ends the current request: flushes output and sends FastCGI's end-of-request record.
    func finish() {
        guard isInRequest else { return }
        let connection = request.pointee.ipcFd
        FCGX_Finish_r(request)
        if request.pointee.ipcFd < 0 { LibfcgiReadGate.forget(connection) }
        isInRequest = false
    }

    /// Takes the current request's connection away from libfcgi, which frees its buffers and
    /// forgets the connection without ending the request: the caller writes the rest of the
    /// response and the end of the request itself, then closes it. Flush first. The next
    /// `accept()` waits for a new connection.
    func releaseConnection() -> StreamConnection {
        precondition(isInRequest, "HyperFastCGI: no request to release")
        let descriptor = request.pointee.ipcFd
        let requestID = UInt16(truncatingIfNeeded: request.pointee.requestId)
        LibfcgiReadGate.forget(descriptor)
        FCGX_Free(request, 0)
        request.pointee.ipcFd = -1
        request.pointee.keepConnection = 0
        isInRequest = false
        return StreamConnection(descriptor: descriptor, requestID: requestID)
    }

    /// Whether the web server aborted the request (`FCGI_ABORT_REQUEST`) while its body was read:
    /// its client has gone, and no response is due.
    public var requestWasAborted: Bool {
        FCGX_GetError(request.pointee.in) == ECONNABORTED
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
