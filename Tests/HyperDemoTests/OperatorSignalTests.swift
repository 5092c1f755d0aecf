import Foundation
import Testing
import HyperTesting

/// Every signal an operator may send the release build has a documented effect: none ends the
/// process abruptly or stops it serving.
@Suite("Operator signals", .serialized)
struct OperatorSignalTests {
    @Test("SIGHUP, SIGUSR1 and SIGUSR2 leave the server serving, each with a log line")
    func harmlessSignals() async throws {
        try await MachineLock.exclusively {
            try await LiveServer.withDemo(build: .release) { _, demo, nginx async throws in
                for (signal, line) in [
                    (SIGHUP, "signal=SIGHUP"), (SIGUSR1, "signal=SIGUSR1"), (SIGUSR2, "signal=SIGUSR2"),
                    (SIGHUP, "signal=SIGHUP"),
                ] {
                    let before = demo.log.components(separatedBy: line).count
                    demo.signal(signal)
                    #expect(eventually(within: .seconds(5)) { demo.log.components(separatedBy: line).count > before })
                    for _ in 0..<5 {
                        #expect(try await Curl.run(["--silent", nginx.url("/hello")]).body == "Hello, world!")
                    }
                    #expect(demo.isRunning)
                }
                #expect(demo.log.contains("Hyper: figures"), "SIGUSR1 logs the server's figures")
                #expect(demo.log.contains("Hyper: signal ignored"))
                #expect(!demo.log.contains("accept failed"), "\(demo.log)")
                #expect(nginx.clientVisibleErrors.isEmpty, "\(nginx.errorLog)")
            }
        }
    }

    @Test("SIGQUIT and SIGINT stop gracefully with exit status 0, as SIGTERM does", arguments: [SIGQUIT, SIGINT])
    func stoppingSignals(signal: Int32) async throws {
        try await MachineLock.exclusively {
            try await LiveServer.withDemo(build: .release) { _, demo, nginx async throws in
                #expect(try await Curl.run(["--silent", nginx.url("/hello")]).body == "Hello, world!")
                demo.signal(signal)
                #expect(await demo.waitForExit(within: .seconds(10)) == 0)
                #expect(demo.log.contains("Hyper: stopped"))
                #expect(!FileManager.default.fileExists(atPath: demo.socket), "the socket file is removed")
            }
        }
    }

    @Test("control characters a client puts in the path cannot forge a log line")
    func logInjection() async throws {
        try await MachineLock.exclusively {
            try await LiveServer.withDemo(build: .release) { _, demo, nginx async throws in
                let forged = "/users/x%0d%0a2026-12-02T00:00:00+0000%20critical%20hyper-demo:%20FORGED%1b[31m"
                _ = try await Curl.run(["--silent", "--globoff", nginx.url(forged)])
                _ = try await Curl.run(["--silent", nginx.url("/nowhere%0aFORGED%09")])
                #expect(eventually(within: .seconds(5)) { demo.log.contains("/nowhere\\nFORGED\\t") }, "\(demo.log)")
                let lines = demo.log.split(separator: "\n", omittingEmptySubsequences: false)
                #expect(!lines.contains { $0.hasPrefix("2026-12-02T00:00:00+0000 critical") || $0.hasPrefix("FORGED") })
                #expect(!demo.log.contains("\u{1B}"), "no terminal escape reaches the log")
                #expect(demo.log.contains("\\r\\n2026-12-02T00:00:00+0000 critical hyper-demo: FORGED\\u{1B}[31m"))
            }
        }
    }
}
