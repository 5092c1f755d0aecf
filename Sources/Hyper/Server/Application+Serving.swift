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
            if let stream = logEntry.responseEnded() {
                streams.remove(stream)
                sessions.forget(ObjectIdentifier(stream))
            }
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
            if body.count > declaredLength {
                throw HTTPError(
                    .badRequest,
                    message:
                        "The request body is longer than its Content-Length (\(body.count) bytes or more, \(declaredLength) announced)."
                )
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
        let response = await response(
            for: request, routedAs: match,
            notFound: { statusResponse(for: $0) ?? HTTPError(.notFound).response(for: $0) })
        do {
            switch response.body {
            case .bytes(let body):
                try await channel.send(wholeResponse(response, body: body, to: request, logEntry: logEntry))
            case .stream(let body):
                try await sendStream(response, body: body, to: request, into: channel, logEntry: logEntry)
            }
        } catch {
            logFailedSend(error, request: request)
        }
    }

    /// The header block and, unless the request is a HEAD, the body, in one buffer.
    private func wholeResponse(_ response: Response, body: [UInt8], to request: Request, logEntry: AccessLogEntry)
        -> [UInt8]
    {
        var bytes = encodeHead(of: response, logEntry: logEntry)
        if request.method != .head { bytes.append(contentsOf: body) }
        return bytes
    }

    /// Sends a streamed response: its head, then (unless the request is a HEAD) its body as the
    /// route writes it; a 503 instead when the server holds as many streams as it may.
    private func sendStream(
        _ response: Response, body: StreamingBody, to request: Request, into channel: ResponseChannel,
        logEntry: AccessLogEntry
    ) async throws {
        guard let admitted = admitStream(body, to: request, into: channel, logEntry: logEntry) else {
            let refusal = HTTPError(.serviceUnavailable, headerFields: [.retryAfter: "5"]).response(for: request)
            try await channel.send(wholeResponse(refusal, body: refusal.bodyBytes, to: request, logEntry: logEntry))
            return
        }
        channel.startStreaming(
            heartbeat: body.heartbeat.map {
                ResponseChannel.Heartbeat(interval: configuration.heartbeatInterval, bytes: $0)
            })
        try await channel.send(encodeHead(of: response, logEntry: logEntry))
        if request.method != .head {
            try await writeStream(body, stream: admitted, into: channel, logEntry: logEntry)
        }
    }

    /// Logs why a response could not be sent whole, unless it is what the access log already
    /// tells: the client went away, or the server ended the stream.
    private func logFailedSend(_ error: any Error, request: Request) {
        switch error {
        case is ClientDisconnectedError, is CancellationError, is ResponseEndedError:
            return
        default:
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
