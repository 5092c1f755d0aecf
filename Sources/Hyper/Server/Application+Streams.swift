import HyperTransport

extension Application {
    /// A stream admitted in `streams`, and whether it may run: one admitted while the server
    /// shuts down is ended as soon as its header is out.
    struct AdmittedStream {
        let entry: StreamRegistry.Entry
        let isOpen: Bool
        /// What a stream that may not run sends before it ends: its farewell unless given.
        var last: [UInt8]? = nil
    }

    /// Admits a streaming response in `streams` within the server's stream limit; it stays there
    /// until its response has ended on the wire (see `AccessLogEntry.keepUntilEnd(_:)`). Its
    /// entry's `end()` ends it with the body's `farewell` after what it has sent. Nil, with a
    /// warning, when the limit is reached: the caller answers 503.
    func admitStream(
        _ body: StreamingBody, to request: Request, into channel: ResponseChannel, logEntry: AccessLogEntry
    ) -> AdmittedStream? {
        let entry = StreamRegistry.Entry(
            route: logEntry.route ?? "-", path: request.path, started: .now, farewell: body.farewell ?? []
        ) { last in
            channel.end(appending: last)
        }
        let maxStreams = runningServer.withLock { $0 }?.maxStreams ?? .max
        switch streams.admit(entry, within: maxStreams) {
        case .admitted:
            // Watched before it is kept: the response's end, which may come at any moment, forgets both.
            let watched = body.owner.map {
                sessions.watch(ObjectIdentifier(entry), session: $0, path: request.path, end: entry.end(sending:))
            }
            if !logEntry.keepUntilEnd(entry) {
                streams.remove(entry)
                sessions.forget(ObjectIdentifier(entry))
            } else if watched == false {
                // Its session ended while the route was starting: it ends at once, as if it had been open.
                return AdmittedStream(entry: entry, isOpen: false, last: Sessions.signedOutEvent(reason: "signed-out"))
            }
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
            if let last = stream.last { stream.entry.end(sending: last) } else { stream.entry.end() }
            return
        }
        try await body.write(ResponseBodyWriter(channel: channel, stream: stream.entry))
    }
}
