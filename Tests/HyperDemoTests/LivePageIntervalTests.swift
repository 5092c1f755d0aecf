import Testing
import HyperTesting

@Suite("Live pages pass their interval on")
struct LivePageIntervalTests {
    @Test("/live-feed and /dashboard-live connect to their stream with the interval_ms they were given")
    func intervalPassedOn() async throws {
        try await LiveServer.withDemo { server in
            for (page, stream) in [("/live-feed", "/stream/feed"), ("/dashboard-live", "/stream/metrics")] {
                let plain = try await server.request(page)
                #expect(plain.body.contains("sse-connect=\"\(stream)\""), "\(page)")
                let paced = try await server.request(page + "?interval_ms=250")
                #expect(paced.body.contains("sse-connect=\"\(stream)?interval_ms=250\""), "\(page)")
                let refused = try await server.request(page + "?interval_ms=5")
                #expect(refused.status == 400, "\(page)")
            }
        }
    }
}
