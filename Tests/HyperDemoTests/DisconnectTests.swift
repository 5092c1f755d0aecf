import Foundation
import HyperTransport
import Testing
import HyperTesting

/// Clients that leave: their route's task is cancelled at once and nothing they held outlives
/// them (checked with `/debug/counts` and `/proc`).
@Suite("Disconnects through nginx", .serialized)
struct DisconnectTests {
    private struct Counts: Decodable, Equatable, Sendable {
        let runningRouteTasks: Int
        let hubSubscriptions: Int
        let threads: Int
        let openDescriptors: Int
    }

    private func counts(_ server: LiveServer) throws -> Counts {
        let response = try HTTPSocket.get(port: server.port, path: "/debug/counts")
        guard let body = response.range(of: "\r\n\r\n").map({ response[$0.upperBound...] }) else {
            throw HTTPSocketError("no body in \(response.debugDescription)")
        }
        return try JSONDecoder().decode(Counts.self, from: Data(body.utf8))
    }

    /// Polls the counts every `interval` until `condition` holds; returns them and when it first
    /// held.
    private func waitForCounts(
        _ server: LiveServer, timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(1),
        until condition: (Counts) -> Bool
    ) async throws -> (counts: Counts, time: ContinuousClock.Instant) {
        let deadline = ContinuousClock.now + timeout
        var last = try counts(server)
        while !condition(last) {
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: interval)
            last = try counts(server)
        }
        return (last, ContinuousClock.now)
    }

    /// Opens `count` chat streams as the signed-in `client` and waits for each to connect.
    private func openStreams(_ count: Int, on server: LiveServer, as client: LiveClient) throws -> [HTTPSocket] {
        let connections = try (0..<count).map { index in
            try HTTPSocket(port: server.port, path: "/chat/leak\(index % 10)/stream", headers: client.headers)
        }
        for connection in connections {
            let received = connection.read(until: "event: connected")
            #expect(received.contains("event: connected"))
        }
        return connections
    }

    @Test(
        "a client hanging up on a stream waiting on a silent subscription ends its task within 100 ms (median)",
        arguments: WireProtocol.allCases)
    func cancelLatency(wireProtocol: WireProtocol) async throws {
        try await MachineLock.exclusively { try await measureCancelLatency(wireProtocol) }
    }

    private func measureCancelLatency(_ wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let client = try await server.signedIn()
            // Hang-ups and polls run on their own thread: the figure is the server's, not the time
            // this process's cooperative pool took to come back to the test.
            let hangUps = try await DedicatedThread.run { try hangUpTenTimes(on: server, as: client) }
            for hangUp in hangUps {
                #expect(hangUp.greeting.contains("event: connected"))
                #expect(hangUp.subscriptionsBefore == 1)
                #expect(hangUp.after.hubSubscriptions == 0)
                #expect(hangUp.after.runningRouteTasks == 1)
            }
            let latencies = hangUps.map(\.latency)
            // Each figure includes the polling of /debug/counts through nginx; alone on the machine
            // all ten are a few milliseconds. Other suites running in parallel on a small machine
            // can delay a poll (the browser test never runs at the same time: MachineLock), so the
            // bound is on the median, with a ceiling on every one.
            let sorted = latencies.sorted()
            #expect(sorted[sorted.count / 2] < .milliseconds(100), "\(sorted)")
            #expect(sorted.last! < .seconds(2), "\(sorted)")
        }
    }

    /// One hang-up: what the stream showed, the counts before and after, and how long it took.
    private struct HangUp: Sendable {
        let greeting: String
        let subscriptionsBefore: Int
        let after: Counts
        let latency: Duration
    }

    /// Ten times: opens a stream on a silent subscription as the signed-in `client`, hangs up, and
    /// polls until the route's task and subscription are gone.
    private func hangUpTenTimes(on server: LiveServer, as client: LiveClient) throws -> [HangUp] {
        try (0..<10).map { _ in
            var connection: HTTPSocket? = try HTTPSocket(
                port: server.port, path: "/chat/silent/stream", headers: client.headers)
            let greeting = connection!.read(until: "event: connected")
            let subscriptionsBefore = try counts(server).hubSubscriptions
            let closed = ContinuousClock.now
            connection = nil
            let deadline = closed + .seconds(10)
            var last = try counts(server)
            while !(last.hubSubscriptions == 0 && last.runningRouteTasks == 1) && ContinuousClock.now < deadline {
                usleep(1_000)
                last = try counts(server)
            }
            return HangUp(
                greeting: greeting, subscriptionsBefore: subscriptionsBefore, after: last,
                latency: ContinuousClock.now - closed)
        }
    }

    @Test(
        "200 streams opened and closed leave no task, subscription, thread or descriptor behind",
        arguments: WireProtocol.allCases)
    func twoHundredStreams(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol) { server in
            let client = try await server.signedIn()
            let initial = try counts(server)
            var settled: Counts?
            for round in 1...3 {
                var connections = try openStreams(200, on: server, as: client)
                // The 200 connections arrive at once and briefly take a thread each until their
                // header is out; the spares then leave (see the settling below). Streams that held
                // their threads would keep more than 200.
                let open = try await waitForCounts(server, timeout: .seconds(15), every: .milliseconds(20)) {
                    $0.hubSubscriptions == 200 && $0.threads < 100
                }.counts
                #expect(open.hubSubscriptions == 200, "round \(round)")
                #expect(open.runningRouteTasks == 201, "round \(round): 200 streams and this request")
                #expect(open.threads < 100, "round \(round): a stream frees its thread once its header is out")
                #expect(open.openDescriptors >= 200, "round \(round): and keeps its connection")
                connections.removeAll()
                let closed = try await waitForCounts(server) { $0.hubSubscriptions == 0 && $0.runningRouteTasks == 1 }
                #expect(closed.counts.hubSubscriptions == 0, "round \(round)")
                #expect(closed.counts.runningRouteTasks == 1, "round \(round)")
                // Spare threads leave after waiting `ListeningSocket.acceptWaitLimit` (250 ms) in
                // accept for nothing. Over SCGI every poll is a new connection, which wakes the
                // longest-waiting acceptor: polled every millisecond, none would ever wait that
                // long. Every 20 ms leaves the spares their chance, and is the same for FastCGI.
                let settling = Duration.milliseconds(20)
                if let settled {
                    // Threads exit and descriptors close once their requests have ended. Left are
                    // at most the pool's 16 spare threads waiting in accept and the threads holding
                    // nginx's idle kept connections (up to its keepalive, 32), each thread with its
                    // wake-up descriptor and its connection: a leak would leave 200 behind.
                    let again = try await waitForCounts(server, every: settling) {
                        $0.threads <= initial.threads + 48
                            && $0.openDescriptors - 2 * $0.threads <= settled.openDescriptors - settled.threads
                    }.counts
                    #expect(again.threads <= initial.threads + 48, "round \(round)")
                    #expect(
                        again.openDescriptors - 2 * again.threads <= settled.openDescriptors - settled.threads,
                        "round \(round): \(again.openDescriptors) descriptors, \(again.threads) threads")
                } else {
                    // The first round leaves the pool's spare threads (16 by default) waiting in
                    // accept, each with its wake-up descriptor; later rounds must return to that.
                    settled = try await waitForCounts(server, every: settling) { $0.threads <= initial.threads + 16 }
                        .counts
                    #expect(settled!.threads <= initial.threads + 16)
                    #expect(settled!.openDescriptors <= initial.openDescriptors + 16)
                }
            }
        }
    }
}
