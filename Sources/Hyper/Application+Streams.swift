import HyperTransport

extension Application {
    /// Writes a streaming body into `channel` (whose header is already queued), registered in
    /// `streams` while it runs: the status page lists it, and a shutdown ends it by queueing the
    /// body's `farewell` after what it has sent, so that the request ends cleanly.
    func writeStream(
        _ body: StreamingBody, to request: Request, into channel: ResponseChannel,
        record: ResponseRecord
    )
        async throws
    {
        let farewell = body.farewell ?? []
        let entry = StreamRegistry.Entry(route: record.route ?? "-", path: request.path, started: .now) {
            channel.end(appending: farewell)
        }
        record.stream = entry
        guard streams.add(entry) else {
            entry.end()  // the server is shutting down: the header is out, say farewell at once
            return
        }
        defer { streams.remove(entry) }
        try await body.write(ResponseBodyWriter(channel: channel, stream: entry))
    }
}
