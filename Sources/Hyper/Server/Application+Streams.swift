import HyperTransport

extension Application {
    /// A stream admitted in `streams`, and whether it may run: one admitted while the server
    /// shuts down is ended as soon as its header is out.
    struct AdmittedStream {
        let entry: StreamRegistry.Entry
        let isOpen: Bool
    }

    /// Admits a streaming response in `streams` within the server's stream limit; it stays there
    /// until its response has ended on the wire (see `AccessLogEntry.keepUntilEnd(_:)`). Its
    /// entry's `end()` ends it with the body's `farewell` after what it has sent. Nil, with a
    /// warning, when the limit is reached: the caller answers 503.
    func admitStream(
        _ body: StreamingBody, to request: Request, into channel: ResponseChannel, logEntry: AccessLogEntry
    ) -> AdmittedStream? {
        let farewell = body.farewell ?? []
        let entry = StreamRegistry.Entry(route: logEntry.route ?? "-", path: request.path, started: .now) {
            channel.end(appending: farewell)
        }
        let maxStreams = runningServer.withLock { $0 }?.maxStreams ?? .max
        switch streams.admit(entry, within: maxStreams) {
        case .admitted:
            if !logEntry.keepUntilEnd(entry) { streams.remove(entry) }
            return AdmittedStream(entry: entry, isOpen: true)
        case .closed:
            return AdmittedStream(entry: entry, isOpen: false)
        case .full:
            logger.warning(
                "Hyper: stream refused with 503: the stream limit is reached (raise --max-streams or LimitNOFILE)",
                metadata: ["path": "\(request.path.escapingControlCharacters)", "max-streams": "\(maxStreams)"])
            return nil
        }
    }

    /// Writes a streaming body into `channel` (whose header is already queued); `stream`'s entry
    /// counts its writes for the status page and the access log. A stream admitted while the
    /// server shuts down says its farewell at once instead.
    func writeStream(
        _ body: StreamingBody, stream: AdmittedStream, into channel: ResponseChannel, logEntry: AccessLogEntry
    ) async throws {
        logEntry.stream = stream.entry
        guard stream.isOpen else {
            stream.entry.end()
            return
        }
        try await body.write(ResponseBodyWriter(channel: channel, stream: stream.entry))
    }
}
