import Hyper

/// `/stream/metrics?interval_ms=N`: this machine's figures from `/proc` every interval (1 s
/// unless given): a `metric` event, an `alert` when the CPU is above 80 %, and a `status` event.
struct MetricsStream: EventStream {
    let interval: Duration
    let counts: DemoCounts

    init(request: Request) throws {
        interval = try request.streamInterval(default: .seconds(1))
        counts = try request.service(DemoCounts.self)
    }

    func stream(to events: EventSink) async throws {
        var previous = SystemMetrics.CPUTimes.read()
        while true {
            try await Task.sleep(for: interval)
            let current = SystemMetrics.CPUTimes.read()
            let metrics = SystemMetrics.read(since: previous, now: current)
            previous = current
            try await events.send(
                "metric",
                """
                <div class="metrics">
                <span>CPU: \(metrics.cpu)%</span>
                <span>Memory: \(metrics.memory)%</span>
                <span>Requests: \(counts.runningRouteTasks) in flight</span>
                </div>
                """ as HTML)
            if metrics.cpu > 80 {
                try await events.send(
                    "alert", #"<div class="alert warning">High CPU usage detected: \#(metrics.cpu)%</div>"# as HTML)
            }
            try await events.send(
                "status", "<span>Load \(metrics.loadAverage), up \(metrics.uptime / 3600) h</span>" as HTML)
        }
    }
}
