import CFastCGI
import CHyperSystem
import Glibc
import Logging

/// One FastCGI request slot owned by a single request thread: it accepts a request, reads its
/// parameters and body, and writes the response. The FastCGI side of the transport seam.
///
/// This file is the only place in Hyper that calls libfcgi (`FCGX_*`) or touches its raw
/// pointers. An exchange is reused for the requests its thread serves, which lets libfcgi keep a
/// connection open between them when nginx asks for it (`fastcgi_keep_conn on`). It is not
/// `Sendable`: only its owning thread may use it.
public final class FastCGIExchange: PooledExchange {
    private let request: UnsafeMutablePointer<FCGX_Request>
    private var isInRequest = false
    private let listeningDescriptor: Int32
    private let listensOnTCP: Bool
    /// Checks every byte libfcgi reads for this exchange's thread.
    private let readGate: LibfcgiReadGate
    /// Where request bodies are read, 16 KiB allocated once: a zeroed buffer per request cost a
    /// tenth of a small request's instructions.
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)
    /// Wakes this exchange's thread when its route produces output.
    let wakeUp: WakeUpSignal

    /// Initialises libfcgi once per process. libfcgi installs handlers for SIGPIPE and SIGUSR1
    /// here that only set flags; callers install their own signal handling afterwards.
    static let libraryInitialised: Bool = FCGX_Init() == 0

    /// Whether the open connection was just accepted: its first request is counted in the
    /// server's `ArrivalRegistry` while it arrives.
    private var connectionIsFresh = false

    /// Creates an exchange for the calling thread, the only one that may use it: it accepts
    /// connections on `listeningDescriptor` and reads their requests through a `LibfcgiReadGate`
    /// that allows each `requestTimeout`, counting a fresh connection's first request in
    /// `arrivals` while it arrives. Nil when the process is out of descriptors for its wake-up
    /// signal.
    init?(
        listeningDescriptor: Int32, listensOnTCP: Bool, requestTimeout: Duration,
        arrivals: ArrivalRegistry? = nil, logger: Logger
    ) {
        precondition(Self.libraryInitialised, "HyperFastCGI: FCGX_Init failed")
        guard let wakeUp = WakeUpSignal() else { return nil }
        self.wakeUp = wakeUp
        self.listeningDescriptor = listeningDescriptor
        self.listensOnTCP = listensOnTCP
        readGate = LibfcgiReadGate(requestTimeout: requestTimeout, logger: logger, arrivals: arrivals, wakeUp: wakeUp)
        readGate.installOnCurrentThread()
        request = .allocate(capacity: 1)
        // libfcgi never accepts by itself: `acceptConnection` does, and hands it the connection.
        FCGX_InitRequest(request, -1, 0)
    }

    deinit {
        if isInRequest { FCGX_Finish_r(request) }
        closeConnection()
        request.deallocate()
        scratch.deallocate()
        LibfcgiReadGate.removeFromCurrentThread()
    }

    /// Whether the connection of the last request stays open for the next one (keep-alive):
    /// `readRequest()` then reads from it, without a new `acceptConnection()`.
    var holdsKeptConnection: Bool {
        request.pointee.ipcFd >= 0
    }

    /// Accepting ends with the server's stop: nothing is left to hand on.
    var hasDrained: Bool { true }

    /// Waits in `accept(2)` for a new connection, for at most `ListeningSocket.acceptWaitLimit`.
    func acceptConnection() -> AcceptOutcome {
        precondition(!holdsKeptConnection, "HyperFastCGI: a connection is already open")
        var connection: Int32 = -1
        let outcome = AcceptOutcome.accept(on: listeningDescriptor, isTCP: listensOnTCP, into: &connection)
        guard outcome == .connection else { return outcome }
        // Handed to libfcgi as a kept connection, which `FCGX_Accept_r` reads without accepting;
        // `detached` makes libfcgi close it without its unbounded drain (see `finish()`).
        request.pointee.ipcFd = connection
        request.pointee.keepConnection = 1
        request.pointee.detached = 1
        connectionIsFresh = true
        return .connection
    }

    /// Reads the next request from the open connection (a new one or a kept one). Returns false
    /// when none could be read: the peer closed the connection, or sent input the read gate
    /// refused, or took longer than the request timeout; the connection is closed then.
    func readRequest() -> Bool {
        precondition(holdsKeptConnection && !isInRequest, "HyperFastCGI: no connection to read a request from")
        readGate.beginRequest(onFreshConnection: connectionIsFresh)
        connectionIsFresh = false
        let result = FCGX_Accept_r(request)
        // A negative result: libfcgi closed the connection after a failed read and then failed
        // to accept a new one on its listening descriptor, -1.
        guard result >= 0 else {
            readGate.endArrival()
            return false
        }
        // libfcgi accepts a request whose parameters ended early (a begin-request record, then
        // end-of-file or a refused record): such a request is dropped, never handed on.
        guard FCGX_GetError(request.pointee.in) == 0 else {
            closeConnection()
            return false
        }
        request.pointee.detached = 1
        isInRequest = true
        return true
    }

    /// Closes the open connection without reading from it: the peer sees end-of-file and drops
    /// the connection from its pool. Used by an idle thread when the server stops.
    func closeConnection() {
        readGate.endArrival()
        connectionIsFresh = false
        FCGX_Free(request, 1)
    }

    /// Ends the current request: flushes output and sends FastCGI's end-of-request record. A
    /// connection that is not kept is closed, after its write side is shut and what the web
    /// server still sends is read for at most `ConnectionDrain.limit`.
    func finish() {
        guard isInRequest else { return }
        isInRequest = false
        readGate.endArrival()
        if request.pointee.keepConnection == 0 {
            FCGX_FClose(request.pointee.err)
            FCGX_FClose(request.pointee.out)
            ConnectionDrain.shutDownAndDrain(request.pointee.ipcFd, requestReadWhole: readGate.hasWholeRequest)
        }
        FCGX_Finish_r(request)
    }

    /// Takes the current request's connection away from libfcgi, which frees its buffers and
    /// forgets the connection without ending the request: the caller writes the rest of the
    /// response and the end of the request itself, then closes it. Flush first. The next
    /// request needs a new `acceptConnection()`.
    func releaseConnection() -> StreamConnection {
        precondition(isInRequest, "HyperFastCGI: no request to release")
        readGate.endArrival()
        let descriptor = request.pointee.ipcFd
        let requestID = UInt16(truncatingIfNeeded: request.pointee.requestId)
        FCGX_Free(request, 0)
        request.pointee.ipcFd = -1
        request.pointee.keepConnection = 0
        request.pointee.detached = 0
        isInRequest = false
        return StreamConnection(descriptor: descriptor, framing: .fastCGIRecords(requestID: requestID))
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

    public func makeResponseChannel(capacity: Int) -> ResponseChannel {
        makeChannel(capacity: capacity)
    }

    public func writeResponse(
        from channel: ResponseChannel, whenDone: @escaping @Sendable (ResponseOutcome) -> Void
    ) {
        writeChannel(from: channel, whenDone: whenDone)
    }

    @discardableResult
    public func writeResponse(_ bytes: [UInt8]) -> ResponseOutcome {
        writeBytes(bytes)
    }

    /// The FastCGI role libfcgi read from the begin-request record (1 = responder).
    var role: Int32 {
        request.pointee.role
    }

    /// Calls `body` with each parameter's name and value, in libfcgi's memory (`NAME=value`
    /// strings), valid only during the call.
    public func forEachParameter<Failure: Error>(
        _ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) {
        guard var cursor = request.pointee.envp else { return }
        while let entry = cursor.pointee {
            let pair = UnsafeRawBufferPointer(start: entry, count: strlen(entry))
            if let equals = memchr(entry, Int32(UInt8(ascii: "=")), pair.count) {
                let nameLength = UnsafeRawPointer(equals) - UnsafeRawPointer(entry)
                try body(
                    UnsafeRawBufferPointer(rebasing: pair[..<nameLength]),
                    UnsafeRawBufferPointer(rebasing: pair[(nameLength + 1)...]))
            }
            cursor += 1
        }
    }

    /// Reads up to `limit` bytes of the request body; returns the bytes and whether the body
    /// stream ended cleanly (EOF seen, no read error) within the limit.
    public func readBody(limit: Int) -> (bytes: [UInt8], complete: Bool) {
        var bytes: [UInt8] = []
        let chunk = Int32(scratch.count)
        let base = scratch.baseAddress!.assumingMemoryBound(to: CChar.self)
        while bytes.count <= limit {
            let read = FCGX_GetStr(base, chunk, request.pointee.in)
            if read > 0 { bytes.append(contentsOf: UnsafeRawBufferPointer(start: base, count: Int(read))) }
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
