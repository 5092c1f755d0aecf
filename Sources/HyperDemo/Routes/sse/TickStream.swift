import Hyper

/// `/sse?every_ms=N`: the benchmark's stream. Event K is exactly `data: tick K` and a blank
/// line; tick 0 goes at once and tick K at start + K·N ms, scheduled against the start so the
/// time spent sending never accumulates, until the client leaves.
struct TickStream: EventStream {
    let interval: Duration

    init(request: Request) throws {
        interval = try request.streamInterval("every_ms", default: .seconds(1))
    }

    func stream(to events: EventSink) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        for tick in 0... {
            try await clock.sleep(until: start + interval * tick)
            try await events.send("tick \(tick)" as HTML)
        }
    }
}
