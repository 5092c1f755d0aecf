/// What the request threads of a `TransportServer` need of an exchange beyond the framework's
/// `TransportExchange`: accepting a connection, reading a request whole, raw output, the end of
/// a request, and letting go of a stream's connection. `FastCGIExchange` and `SCGIExchange`
/// implement it; everything else (the pool, the response writing, the stream pump) is shared.
protocol PooledExchange: TransportExchange {
    /// Whether a connection is open: a new one just accepted, or one kept from the last request
    /// (FastCGI keep-alive); `readRequest()` then reads from it without a new accept.
    var holdsKeptConnection: Bool { get }
    /// The open connection's descriptor, to watch for the peer hanging up.
    var connectionDescriptor: Int32 { get }
    /// Wakes the exchange's thread when its route produces output.
    var wakeUp: WakeUpSignal { get }

    /// Whether, once the server stops, a `.nothingQueued` from `acceptConnection()` means that
    /// nothing more will come: true where the thread accepts itself (FastCGI), and for SCGI only
    /// once its intake has handed on everything it accepted.
    var hasDrained: Bool { get }

    /// Waits for a new connection (in `accept(2)`, or for SCGI's intake to hand one on), for at
    /// most `ListeningSocket.acceptWaitLimit`.
    func acceptConnection() -> AcceptOutcome
    /// Reads the next request whole from the open connection, within the request timeout.
    /// Returns false, with the connection closed, when none could be read.
    func readRequest() -> Bool
    /// Closes the open connection without reading from it.
    func closeConnection()
    /// Ends the current request; a connection that is not kept is closed.
    func finish()
    /// Writes response bytes (buffered); false once the connection has failed.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// Sends everything buffered now; false once the connection has failed.
    func flush() -> Bool
    /// Lets go of the current request's connection, whose header block is flushed, for a stream
    /// to write the rest of the response itself. The next request needs a new accept.
    func releaseConnection() -> StreamConnection
}
