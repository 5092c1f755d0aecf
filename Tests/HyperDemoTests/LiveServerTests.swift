import Foundation
import Hyper
import HyperTesting
import Testing

/// HyperTesting's `LiveServer` runs an app's executable (here `hyper-demo`) behind a private
/// nginx: pages and streams arrive through nginx, and `stop()` leaves no process and no folder.
@Suite("HyperTesting.LiveServer")
struct LiveServerTests {
    @Test("a page and a stream through nginx; stop ends both processes", arguments: WireProtocol.allCases)
    func pageAndStream(_ wireProtocol: WireProtocol) async throws {
        let server = try LiveServer(executable: try ProjectPaths.demoBinary(), wireProtocol: wireProtocol)
        let page = try await server.request("/hello")
        #expect(page.status == 200 && page.body == "Hello, world!")
        #expect(page.header("X-Content-Type-Options") == "nosniff")
        #expect(page.header("content-length") == "13")

        let stream = try await server.request("/sse?every_ms=50", maxTime: .milliseconds(1500))
        #expect(stream.status == 200)
        #expect(stream.header("content-type") == "text/event-stream")
        #expect(stream.body.contains("data: tick 1\n\n") && stream.body.contains("data: tick 3\n\n"), "\(stream.body)")
        #expect(server.appLog.contains("Hyper: serving") && server.appLog.contains("\(wireProtocol)"))

        let (app, nginx) = server.processIdentifiers
        server.stop()
        // Gone, not just signalled: allow a loaded machine a moment to reap them.
        let deadline = ContinuousClock.now + .seconds(5)
        while (kill(app, 0) == 0 || kill(nginx, 0) == 0) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(kill(app, 0) != 0 && kill(nginx, 0) != 0, "both processes ended")
        #expect(!FileManager.default.fileExists(atPath: server.folder))
    }

    @Test("an app that cannot start is reported with its log")
    func appFailsToStart() throws {
        #expect {
            _ = try LiveServer(executable: try ProjectPaths.demoBinary(), arguments: ["--max-threads", "1"])
        } throws: { error in
            "\(error)".contains("LiveServer: the app did not start") && "\(error)".contains("--max-threads")
        }
    }
}
