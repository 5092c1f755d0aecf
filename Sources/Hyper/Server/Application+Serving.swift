import Dispatch
import Glibc
import HTTPTypes
import HyperTransport
import Logging
import Synchronization

extension Application {
    /// Makes libdispatch (which runs Swift's timers, `Task.sleep` among them) create its epoll
    /// descriptor now. It does so lazily, on the first timer, and traps if the process is out of
    /// descriptors at that moment, which a server full of streams can be.
    func startDispatchEventLoop() async {
        await withCheckedContinuation { (started: CheckedContinuation<Void, Never>) in
            let timer = DispatchSource.makeTimerSource(queue: .global())
            timer.setEventHandler {
                timer.cancel()
                started.resume()
            }
            timer.schedule(deadline: .now())
            timer.resume()
        }
    }

    /// Answers one request, whatever the wire protocol, on its request thread; a stream's thread returns once the
    /// stream's header block is written, and the stream goes on without it.
    func serve(_ exchange: any TransportExchange) {
        let started = ContinuousClock.now
        let logEntry = AccessLogEntry()
        var request: Request
        do {
            request = try readRequest(from: exchange)
        } catch {
            guard !exchange.requestWasAborted else {
                logger.info("Hyper: the web server aborted a request while sending its body")
                return
            }
            logger.warning(
                "Hyper: bad request",
                metadata: ["status": "\(error.status.code)", "error": "\(error.message.escapingControlCharacters)"])
            let response = error.response(for: Request(method: .get, path: "/"))
            let outcome = exchange.writeResponse(encodeHead(of: response, logEntry: logEntry) + response.bodyBytes)
            logAccess(method: "-", path: "-", logEntry: logEntry, outcome: outcome, started: started)
            return
        }
        // Routed here, on the request thread, where the request has no other owner to copy it for.
        let match = route(&request)
        if case .found(_, _, let pattern) = match { logEntry.route = pattern.description }
        let channel = exchange.makeResponseChannel()
        let task = Task(executorPreference: channel.executor) { [self, request] in
            runningTasks.add(1, ordering: .relaxed)
            defer { runningTasks.subtract(1, ordering: .relaxed) }
            await produceResponse(to: request, routedAs: match, into: channel, logEntry: logEntry)
        }
        let (method, path) = (request.method.rawValue, request.path)
        exchange.writeResponse(from: channel) { [self] outcome in
            task.cancel()  // the response is over; a stream's route may still be waiting for its next event
            if outcome.clientDisconnected { logEntry.clientDisconnected = true }
            if channel.wasEndedFromOutside { logEntry.endedByServer = true }
            if let stream = logEntry.responseEnded() { streams.remove(stream) }
            logAccess(method: method, path: path, logEntry: logEntry, outcome: outcome, started: started)
        }
    }

    /// Reads the CGI parameters and the body. Throws the HTTP error to answer with.
    private func readRequest(from exchange: any TransportExchange) throws(HTTPError) -> Request {
        var builder = CGIRequestBuilder()
        try exchange.forEachParameter { name, value throws(HTTPError) in try builder.add(name: name, value: value) }
        var request = try builder.request()
        let lengthField = builder.contentLength
        guard let declaredLength = lengthField.isEmpty ? 0 : Int(lengthField), declaredLength >= 0 else {
            throw HTTPError(.badRequest, message: "Content-Length is not a number.")
        }
        guard declaredLength <= configuration.maxBodySize else {
            throw HTTPError(
                .contentTooLarge, message: "The request body is larger than \(configuration.maxBodySize) bytes.")
        }
        let (body, complete) = exchange.readBody(limit: configuration.maxBodySize)
        guard complete else {
            if body.count > configuration.maxBodySize {
                throw HTTPError(
                    .contentTooLarge, message: "The request body is larger than \(configuration.maxBodySize) bytes.")
            }
            throw HTTPError(
                .badRequest, message: "The request body ended early (\(body.count) of \(declaredLength) bytes).")
        }
        guard body.count == declaredLength else {
            throw HTTPError(
                .badRequest, message: "The request body has \(body.count) bytes, Content-Length says \(declaredLength)."
            )
        }
        request.body = body
        return request
    }

    /// Runs the route `match` names (on the request's task) and writes its response into `channel`.
    private func produceResponse(
        to request: Request, routedAs match: Router.Match, into channel: ResponseChannel, logEntry: AccessLogEntry
    ) async {
        defer { channel.finish() }
        var response = await response(
            for: request, routedAs: match,
            notFound: { statusResponse(for: $0) ?? HTTPError(.notFound).response(for: $0) })
        var admitted: AdmittedStream?
        if case .stream(let body) = response.body {
            admitted = admitStream(body, to: request, into: channel, logEntry: logEntry)
            if admitted == nil {
                response = HTTPError(.serviceUnavailable, headerFields: [.retryAfter: "5"]).response(for: request)
            }
        }
        let isHead = request.method == .head
        let head = encodeHead(of: response, logEntry: logEntry)
        do {
            switch response.body {
            case .bytes(let bytes):
                try await channel.send(head + (isHead ? [] : bytes))
            case .stream(let body):
                channel.startStreaming(
                    heartbeat: body.heartbeat.map {
                        ResponseChannel.Heartbeat(interval: configuration.heartbeatInterval, bytes: $0)
                    })
                try await channel.send(head)
                if !isHead, let admitted {
                    try await writeStream(body, stream: admitted, into: channel, logEntry: logEntry)
                }
            }
        } catch is ClientDisconnectedError, is CancellationError, is ResponseEndedError {
            // The request thread saw the client go, or the server ended the stream: both logged.
        } catch {
            logger.error(
                "Hyper: stream ended by an error",
                metadata: [
                    "path": "\(request.path.escapingControlCharacters)",
                    "error": "\(String(describing: error).escapingControlCharacters)",
                ])
        }
    }

    /// The CGI header block for `response`, with Hyper's default headers added.
    private func encodeHead(of response: Response, logEntry: AccessLogEntry) -> [UInt8] {
        logEntry.status = response.status.code
        return ResponseHead.encode(response)
    }
}

extension HTTPField.Name {
    /// nginx's per-response switch for proxy buffering: `no` passes each chunk on at once.
    static let xAccelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
