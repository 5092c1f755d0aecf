import Foundation
import HyperTransport
import Testing
import HyperTesting

/// SIGTERM through a real nginx: requests in flight finish, streams end cleanly, exit status 0.
///
/// Each test starts its own nginx and app and loads the machine in bursts: it holds MachineLock,
/// so it never runs beside the latency tests.
@Suite("Graceful shutdown", .serialized)
struct GracefulShutdownTests {
    @Test(
        "SIGTERM lets an ordinary request finish, ends a stream with its farewell and exits 0",
        arguments: WireProtocol.allCases)
    func sigtermDrainsRequestsAndEndsStreams(wireProtocol: WireProtocol) async throws {
        try await MachineLock.exclusively { try await sigtermDrainsRequestsAndEndsStreamsExclusively(wireProtocol) }
    }

    private func sigtermDrainsRequestsAndEndsStreamsExclusively(_ wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol, arguments: ["--grace", "5"]) {
            scratch, demo, nginx async throws in
            // Connections nginx keeps open, idle when the stop comes.
            for _ in 0..<3 { #expect(try await Curl.run(["--silent", nginx.url("/hello")]).body == "Hello, world!") }

            let slow = try Curl.start(
                ["--write-out", "%{http_code}", nginx.url("/slow?ms=1500")], outputPath: scratch.file("slow.out"),
                errorPath: scratch.file("slow.err"))
            defer { slow.stop() }
            let stream = try Curl.start(
                ["--no-buffer", nginx.url("/sse?every_ms=100")], outputPath: scratch.file("sse.out"),
                errorPath: scratch.file("sse.err"))
            defer { stream.stop() }
            #expect(eventually(within: .seconds(5)) { scratch.read("sse.out").contains("data: tick 3\n\n") })

            let signalled = ContinuousClock.now
            demo.signal(SIGTERM)
            let status = await demo.waitForExit(within: .seconds(10))
            let stopTook = ContinuousClock.now - signalled

            #expect(status == 0)
            #expect(stopTook < .seconds(5), "the stop waits for the slow request only, not the grace period")
            #expect(stopTook > .milliseconds(700), "the stop waited for the slow request")
            #expect(slow.waitForExit(within: .seconds(5)) == 0)
            #expect(scratch.read("slow.out") == "slept 1500 ms\n200")
            #expect(stream.waitForExit(within: .seconds(5)) == 0, "curl saw the chunked stream end cleanly")
            let events = scratch.read("sse.out")
            #expect(events.hasPrefix("data: tick 0\n\ndata: tick 1\n\n"))
            #expect(events.hasSuffix("\n\n: server shutting down\n\n"), "the default farewell of an EventStream")
            #expect(demo.log.contains("ended=shutdown"), "\(demo.log)")
            #expect(demo.log.contains("Hyper: stopped"))
            let inFlight = demo.log.firstMatch(of: #/requests=(-?\d+) streams ended=(\d+)/#)
            #expect(inFlight.map { Int($0.1) } == 1, "the slow request, not the stream: \(demo.log)")
            #expect(inFlight.map { Int($0.2) } == 1)
            #expect(!nginx.errorLog.contains("upstream prematurely closed"))
            #expect(nginx.clientVisibleErrors.isEmpty, "\(nginx.errorLog)")
            print("graceful stop with a 1.5 s request in flight took \(stopTook)")
        }
    }

    @Test("on SIGTERM the connections nginx keeps open but is not using are closed at once")
    func idleKeptConnectionsAreClosed() async throws {
        try await MachineLock.exclusively { try await idleKeptConnectionsAreClosedExclusively() }
    }

    private func idleKeptConnectionsAreClosedExclusively() async throws {
        try await LiveServer.withDemo(arguments: ["--grace", "5"]) { scratch, demo, nginx async throws in
            let baseline = (demo.openSockets ?? -1)  // the listening socket, and any the test runner's Process leaves
            let warmups = try (0..<4).map { index in
                try Curl.start(
                    [nginx.url("/slow?ms=300")], outputPath: scratch.file("warm\(index).out"),
                    errorPath: scratch.file("warm\(index).err"))
            }
            for warmup in warmups { #expect(warmup.waitForExit(within: .seconds(5)) == 0) }
            #expect((demo.openSockets ?? -1) >= baseline + 4, "four kept connections")

            let slow = try Curl.start(
                ["--write-out", "%{http_code}", nginx.url("/slow?ms=1500")], outputPath: scratch.file("slow.out"),
                errorPath: scratch.file("slow.err"))
            defer { slow.stop() }
            usleep(300_000)
            demo.signal(SIGTERM)
            #expect(
                eventually(within: .milliseconds(500)) { (demo.openSockets ?? -1) <= baseline + 1 },
                "only the slow request's connection is left")
            #expect(await demo.waitForExit(within: .seconds(10)) == 0)
            #expect(slow.waitForExit(within: .seconds(5)) == 0)
            #expect(scratch.read("slow.out") == "slept 1500 ms\n200")
            #expect(nginx.clientVisibleErrors.isEmpty, "\(nginx.errorLog)")
        }
    }

    @Test(
        "the grace period cuts off a request that takes too long, and the exit status is still 0",
        arguments: WireProtocol.allCases)
    func gracePeriodBoundsTheStop(wireProtocol: WireProtocol) async throws {
        try await MachineLock.exclusively { try await gracePeriodBoundsTheStopExclusively(wireProtocol) }
    }

    private func gracePeriodBoundsTheStopExclusively(_ wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol, arguments: ["--grace", "0.5"]) {
            scratch, demo, nginx async throws in
            let slow = try Curl.start(
                ["--write-out", "%{http_code}", nginx.url("/slow?ms=10000")], outputPath: scratch.file("slow.out"),
                errorPath: scratch.file("slow.err"))
            defer { slow.stop() }
            usleep(300_000)  // the request reaches the app

            let signalled = ContinuousClock.now
            demo.signal(SIGTERM)
            let status = await demo.waitForExit(within: .seconds(10))
            let stopTook = ContinuousClock.now - signalled

            #expect(status == 0)
            #expect(stopTook >= .milliseconds(500) && stopTook < .seconds(2))
            #expect(demo.log.contains("requests still in flight after the grace period are cut off"))
            print("stop with --grace 0.5 and a 10 s request took \(stopTook)")
        }
    }

    @Test("requests queued on the socket when SIGTERM arrives are still served", arguments: WireProtocol.allCases)
    func queuedConnectionsAreDrained(wireProtocol: WireProtocol) async throws {
        try await MachineLock.exclusively { try await queuedConnectionsAreDrainedExclusively(wireProtocol) }
    }

    private func queuedConnectionsAreDrainedExclusively(_ wireProtocol: WireProtocol) async throws {
        // Two request threads: the third request waits in the socket's backlog.
        try await LiveServer.withDemo(
            wireProtocol, arguments: ["--grace", "5", "--max-threads", "2"], keepalive: 1
        ) {
            scratch, demo, nginx async throws in
            let first = try Curl.start(
                ["--write-out", "%{http_code}", nginx.url("/slow?ms=800")], outputPath: scratch.file("first.out"),
                errorPath: scratch.file("first.err"))
            defer { first.stop() }
            let second = try Curl.start(
                ["--write-out", "%{http_code}", nginx.url("/slow?ms=800")], outputPath: scratch.file("second.out"),
                errorPath: scratch.file("second.err"))
            defer { second.stop() }
            let third = try Curl.start(
                ["--write-out", "%{http_code}", nginx.url("/slow?ms=800")], outputPath: scratch.file("third.out"),
                errorPath: scratch.file("third.err"))
            defer { third.stop() }
            usleep(300_000)
            demo.signal(SIGTERM)

            #expect(await demo.waitForExit(within: .seconds(10)) == 0)
            for (process, name) in [(first, "first.out"), (second, "second.out"), (third, "third.out")] {
                #expect(process.waitForExit(within: .seconds(5)) == 0)
                #expect(scratch.read(name) == "slept 800 ms\n200")
            }
        }
    }
}
