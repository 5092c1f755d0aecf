import Foundation
import Testing
import HyperTesting

@Suite("Kept connections")
struct KeepAliveTests {
    @Test("more kept upstream connections than initial threads never starve new requests")
    func keepAliveDoesNotStarve() async throws {
        // nginx keeps up to 64 idle connections to the app open (fastcgi_keep_conn on); each holds
        // a thread of the app, which starts with 4.
        try await LiveServer.withDemo(keepalive: 64) { server in
            let urls = (0..<400).flatMap { index in ["-o", "/dev/null", server.baseURL + "/users/\(index % 3 + 1)"] }
            let started = ContinuousClock.now
            let result = try await Curl.run(
                ["-s", "--parallel", "--parallel-immediate", "--parallel-max", "48", "-w", "%{http_code}\n"] + urls,
                timeout: .seconds(60))
            let codes = result.body.split(separator: "\n")
            #expect(codes.count == 400)
            #expect(codes.allSatisfy { $0 == "200" })
            // With every kept connection idle now, a fresh request is still answered at once.
            let probeStarted = ContinuousClock.now
            #expect(try await server.request("/about").status == 200)
            // Starved, it would wait for the request timeout (10 s); a loaded machine takes a second or two.
            #expect(ContinuousClock.now - probeStarted < .seconds(3))
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect((server.app.threads ?? -1) > 4)
        }
    }
}
