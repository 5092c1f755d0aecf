import Foundation
import HyperTesting
import Testing

@testable import HyperTransport

/// Peers that connect straight to the app's socket, send one byte and stall, in greater number
/// than the release build's request threads (2,419 under a limit of 20,000 descriptors): pages
/// on fresh connections must still be answered at once.
@Suite("Stalled peers", .serialized)
struct StalledPeerTests {
    private struct Counts: Decodable {
        let threads: Int
    }

    @Test("2,500 peers that send one byte each hold no thread: pages through nginx answer in under 1 s")
    func stalledPeersHoldNoThread() async throws {
        try await MachineLock.exclusively {
            try await LiveServer.withDemo(.scgi, descriptorLimit: 20_000, build: .release) { server in
                var stalled: [RawFastCGIClient] = []
                defer { for peer in stalled { peer.close() } }
                for _ in 0..<2_500 {
                    let peer = try RawFastCGIClient(socketPath: server.app.socket)
                    peer.send([UInt8(ascii: "1")])
                    stalled.append(peer)
                }
                var slowest = Duration.zero
                for _ in 0..<10 {
                    let started = ContinuousClock.now
                    let page = try await server.request("/hello", maxTime: .seconds(15))
                    #expect(page.status == 200 && page.body == "Hello, world!")
                    slowest = max(slowest, ContinuousClock.now - started)
                }
                #expect(slowest < .seconds(1), "the slowest page took \(slowest)")
                let counts = try await server.request("/debug/counts")
                let threads = try JSONDecoder().decode(Counts.self, from: Data(counts.body.utf8)).threads
                #expect(threads < 200, "\(threads) threads for 2,500 stalled peers")
                #expect(
                    server.appLog.contains("more than 1024 connections were still sending their request"),
                    "\(server.appLog.suffix(2000))")
            }
        }
    }

    /// FastCGI reads a request on the thread that serves it, so a stalled peer holds a thread
    /// until 1,024 newer ones have come (`--max-arriving`), and a page's fresh connection waits
    /// until the stalled ones queued before it are accepted: seconds, where it waited for the
    /// request timeout (here 30 s) before.
    @Test(
        "2,500 FastCGI peers that send one byte each hold at most --max-arriving threads, and fresh connections do not wait for the request timeout"
    )
    func stalledFastCGIPeersAreBounded() async throws {
        try await MachineLock.exclusively {
            try await LiveServer.withDemo(
                .fastCGI, arguments: ["--request-timeout", "30"], descriptorLimit: 20_000, build: .release
            ) { server in
                var stalled: [RawFastCGIClient] = []
                defer { for peer in stalled { peer.close() } }
                for _ in 0..<2_500 {
                    let peer = try RawFastCGIClient(socketPath: server.app.socket)
                    peer.send([1])
                    stalled.append(peer)
                }
                var slowest = Duration.zero
                for _ in 0..<10 {
                    let started = ContinuousClock.now
                    let client = try RawFastCGIClient(socketPath: server.app.socket)
                    defer { client.close() }
                    client.send(
                        RawFastCGIClient.beginRequest
                            + RawFastCGIClient.params([
                                ("REQUEST_METHOD", "GET"), ("DOCUMENT_URI", "/hello"), ("QUERY_STRING", ""),
                            ])
                            + RawFastCGIClient.record(.stdin, []))
                    let page = RawFastCGIClient.stdout(of: client.receiveAll(timeout: .seconds(40)))
                    #expect(page.hasSuffix("\r\n\r\nHello, world!"), "\(page)")
                    slowest = max(slowest, ContinuousClock.now - started)
                }
                #expect(slowest < .seconds(10), "the slowest page took \(slowest)")
                try await Task.sleep(for: .seconds(3))  // spare threads leave after 250 ms idle
                let counts = try await server.request("/debug/counts")
                let threads = try JSONDecoder().decode(Counts.self, from: Data(counts.body.utf8)).threads
                #expect(threads < 1_300, "\(threads) threads for 2,500 stalled peers (at most 1,024 held)")
                #expect(
                    server.appLog.contains("more than 1024 fresh connections were still sending their request"),
                    "\(server.appLog.suffix(2000))")
            }
        }
    }
}
