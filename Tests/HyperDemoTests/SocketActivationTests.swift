import Foundation
import HyperTransport
import Testing
import HyperTesting

/// hyper-demo on a socket handed over as systemd does (LISTEN_FDS or descriptor 0), reporting
/// to a real NOTIFY_SOCKET, behind a real nginx.
///
/// Each test starts its own nginx and app and loads the machine in bursts: it holds MachineLock,
/// so it never runs beside the latency tests.
@Suite("Socket activation", .serialized)
struct SocketActivationTests {
    @Test(
        "LISTEN_FDS: READY/STATUS/STOPPING reach NOTIFY_SOCKET, and a restart under load loses no request",
        arguments: WireProtocol.allCases)
    func restartUnderLoadLosesNothing(wireProtocol: WireProtocol) async throws {
        // Hundreds of requests and two instances: never beside the latency tests.
        try await MachineLock.exclusively { try await restartUnderLoad(wireProtocol) }
    }

    private func restartUnderLoad(_ wireProtocol: WireProtocol) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let activator = try SocketActivator(
            scratch: scratch, mode: .listenFDs, notifySocket: scratch.file("notify"),
            arguments: ["--protocol", wireProtocol.rawValue, "--grace", "5"])
        defer { activator.quit() }
        let first = try #require(activator.startedPIDs.first)
        #expect(activator.waitForNotification(from: first, containing: "READY=1"))
        #expect(activator.notifications(from: first).first?.contains("STATUS=Serving on inherited fd 3") == true)
        let nginx = try await LiveNginx.demoSite(in: scratch, for: activator.socket, wireProtocol: wireProtocol)
        defer { nginx.stop() }
        #expect(try await Curl.run(["--silent", nginx.url("/hello")]).body == "Hello, world!")

        let loops = try (0..<3).map { index in
            try Curl.start(
                ["--write-out", "%{http_code}\n"]
                    + Array(repeating: ["--output", "/dev/null", nginx.url("/slow?ms=5")], count: 150).flatMap { $0 },
                outputPath: scratch.file("loop\(index).out"), errorPath: scratch.file("loop\(index).err"), maxTime: 60)
        }
        defer { loops.forEach { $0.stop() } }
        let slow = try Curl.start(
            ["--write-out", "%{http_code}", nginx.url("/slow?ms=1000")], outputPath: scratch.file("slow.out"),
            errorPath: scratch.file("slow.err"))
        defer { slow.stop() }
        let stream = try Curl.start(
            ["--no-buffer", nginx.url("/sse?every_ms=100")], outputPath: scratch.file("sse.out"),
            errorPath: scratch.file("sse.err"))
        defer { stream.stop() }
        #expect(eventually(within: .seconds(5)) { scratch.read("sse.out").contains("data: tick 2\n\n") })
        #expect(eventually(within: .seconds(5)) { scratch.read("loop0.out").count > 40 })

        activator.send("restart")
        #expect(eventually(within: .seconds(10)) { activator.startedPIDs.count == 2 })
        let second = try #require(activator.startedPIDs.last)
        #expect(activator.waitForNotification(from: second, containing: "READY=1"))

        for (index, loop) in loops.enumerated() {
            #expect(loop.waitForExit(within: .seconds(60)) == 0)
            let codes = scratch.read("loop\(index).out").split(separator: "\n")
            #expect(codes.count == 150)
            #expect(codes.allSatisfy { $0 == "200" }, "status codes seen: \(Set(codes))")
        }
        #expect(slow.waitForExit(within: .seconds(5)) == 0)
        #expect(scratch.read("slow.out") == "slept 1000 ms\n200")
        #expect(stream.waitForExit(within: .seconds(5)) == 0)
        #expect(scratch.read("sse.out").hasSuffix("\n\n: server shutting down\n\n"))
        #expect(activator.reports.contains("exited \(first) 0"))
        #expect(activator.notifications(from: first).contains { $0.contains("STOPPING=1") })
        #expect(try await Curl.run(["--silent", nginx.url("/hello")]).body == "Hello, world!")
        #expect(nginx.clientVisibleErrors.isEmpty, "\(nginx.errorLog)")
    }

    @Test("a request queued on the socket while no instance runs is served by the next instance")
    func queuedRequestSurvivesADownService() async throws {
        try await MachineLock.exclusively { try await queuedRequestSurvivesADownServiceExclusively() }
    }

    private func queuedRequestSurvivesADownServiceExclusively() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let activator = try SocketActivator(scratch: scratch, mode: .listenFDs, notifySocket: nil)
        defer { activator.quit() }
        let nginx = try await LiveNginx.demoSite(in: scratch, for: activator.socket)
        defer { nginx.stop() }
        #expect(try await Curl.run(["--silent", nginx.url("/hello")]).body == "Hello, world!")
        let first = try #require(activator.startedPIDs.first)

        activator.send("stop")
        #expect(eventually(within: .seconds(10)) { activator.reports.contains("exited \(first) 0") })
        let queued = try Curl.start(
            ["--write-out", " %{http_code}", nginx.url("/hello")], outputPath: scratch.file("queued.out"),
            errorPath: scratch.file("queued.err"))
        defer { queued.stop() }
        usleep(500_000)
        #expect(queued.isRunning, "the request waits in the socket's queue")

        activator.send("restart")
        #expect(queued.waitForExit(within: .seconds(10)) == 0)
        #expect(scratch.read("queued.out") == "Hello, world! 200")
    }

    @Test("descriptor 0 (StandardInput=socket) with an abstract NOTIFY_SOCKET", arguments: WireProtocol.allCases)
    func standardInputSocketAndAbstractNotifySocket(wireProtocol: WireProtocol) async throws {
        try await MachineLock.exclusively {
            try await standardInputSocketAndAbstractNotifySocketExclusively(wireProtocol)
        }
    }

    private func standardInputSocketAndAbstractNotifySocketExclusively(_ wireProtocol: WireProtocol) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let name = "@hyper-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let activator = try SocketActivator(
            scratch: scratch, mode: .standardInput, notifySocket: name,
            arguments: ["--protocol", wireProtocol.rawValue])
        defer { activator.quit() }
        let pid = try #require(activator.startedPIDs.first)
        #expect(activator.waitForNotification(from: pid, containing: "READY=1"))
        #expect(activator.notifications(from: pid).first?.contains("STATUS=Serving on inherited fd 0") == true)
        let nginx = try await LiveNginx.demoSite(in: scratch, for: activator.socket, wireProtocol: wireProtocol)
        defer { nginx.stop() }
        for _ in 0..<5 { #expect(try await Curl.run(["--silent", nginx.url("/hello")]).body == "Hello, world!") }

        activator.send("stop")
        #expect(eventually(within: .seconds(10)) { activator.reports.contains("exited \(pid) 0") })
        #expect(activator.notifications(from: pid).contains { $0.hasPrefix("STOPPING=1") })
    }
}
