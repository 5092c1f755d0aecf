import HyperTransport

extension Application {
    /// Stops serving gracefully and returns when every request has ended or the grace period
    /// has passed.
    ///
    /// The server stops taking connections (`TransportServer.stop`): idle kept connections are
    /// closed, connections queued on an inherited socket stay queued for the next instance.
    /// Open streams are ended at once: each gets its `StreamingBody.farewell`, then the end of the
    /// request (FastCGI's end-request record, or SCGI's close), and its route's task is cancelled.
    /// Ordinary requests in flight, and the ended streams' last bytes, get
    /// `Configuration.shutdownGracePeriod` to be written (`streams` counts a stream until its
    /// response has ended on the wire); the listening socket is closed then.
    public func shutDown(_ server: TransportServer, socket: ListeningSocket) {
        let began = ContinuousClock.now
        server.stop()
        let endedStreams = streams.endAll()
        logger.info(
            "Hyper: stopped accepting; waiting for requests in flight",
            metadata: [
                "requests": "\(server.statistics.busy)", "streams ended": "\(endedStreams)",
            ])
        let deadline = ContinuousClock.now + configuration.shutdownGracePeriod
        let finished =
            server.waitUntilStopped(timeout: configuration.shutdownGracePeriod)
            && streams.waitUntilEmpty(before: deadline)
        if !finished {
            logger.warning(
                "Hyper: requests still in flight after the grace period are cut off",
                metadata: ["requests": "\(server.statistics.busy)"])
        }
        socket.close()
        logger.info("Hyper: stopped", metadata: ["ms": "\((ContinuousClock.now - began).milliseconds)"])
    }
}
