import Foundation
import HyperTesting
import Testing

/// Memory that clients could grow without bound before issue 21: histories of topics any client
/// creates, and streams that never read. Against the release demo through nginx, measuring the
/// demo's resident memory (`VmRSS`) by its process id.
@Suite("Memory budgets through nginx", .serialized)
struct MemoryBudgetTests {
    private static let mebibyte = 1024 * 1024

    /// Posts `text` to `room` as the signed-in `client` (its cookie and CSRF token) with a raw
    /// connection (curl's arguments cannot carry a megabyte); returns the response's status line.
    private static func post(_ text: String, to room: String, port: Int, as client: LiveClient) throws -> String {
        let connection = try HTTPSocket(
            port: port, path: "/chat/\(room)/messages", method: "POST",
            headers: ["Content-Type: application/x-www-form-urlencoded"] + client.headers,
            body: Array("text=\(text)".utf8))
        let response = connection.read(until: "\r\n", timeout: .seconds(20))
        return String(response.prefix { $0 != "\r" })
    }

    /// The demo's resident memory in MiB.
    private static func residentMiB(_ server: LiveServer) throws -> Int {
        try #require(server.app.residentKiB) / 1024
    }

    @Test("a chat post over the 256 KiB message limit gets 413; one under it is published")
    func messageLimit() async throws {
        try await LiveServer.withDemo(build: .release) { server in
            let port = server.port
            let grace = try await server.signedIn(as: 2)
            let statuses = try await DedicatedThread.run {
                (
                    over: try Self.post(String(repeating: "x", count: 300 * 1024), to: "big", port: port, as: grace),
                    under: try Self.post(String(repeating: "x", count: 200 * 1024), to: "big", port: port, as: grace)
                )
            }
            #expect(statuses.over.hasPrefix("HTTP/1.1 413 "), "\(statuses.over)")
            #expect(statuses.under.hasPrefix("HTTP/1.1 200 "), "\(statuses.under)")
        }
    }

    @Test(
        "120 rooms with one 1 MB post each hold no more than the history budget, and the memory returns on expiry",
        .timeLimit(.minutes(2)))
    func historyBudgetAndExpiry() async throws {
        let budget = 16
        let arguments = [
            "--max-hub-message-bytes", "1100000", "--max-history-bytes", "\(budget * Self.mebibyte)",
            "--max-history-age", "4",
        ]
        try await LiveServer.withDemo(arguments: arguments, build: .release) { server in
            let port = server.port
            let grace = try await server.signedIn(as: 2)
            let text = String(repeating: "x", count: 1_000_000)
            _ = try await DedicatedThread.run { try Self.post("warm-up", to: "warm-up", port: port, as: grace) }
            let baseline = try Self.residentMiB(server)
            let statuses = try await DedicatedThread.run {
                try (0..<120).map { try Self.post(text, to: "room\($0)", port: port, as: grace) }
            }
            #expect(statuses.allSatisfy { $0.hasPrefix("HTTP/1.1 200 ") }, "\(Set(statuses))")
            let loaded = try Self.residentMiB(server)
            #expect(loaded - baseline < budget + 48, "RSS \(baseline) → \(loaded) MiB with a \(budget) MiB budget")
            let deadline = ContinuousClock.now + .seconds(15)
            var expired = loaded
            while ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
                expired = try Self.residentMiB(server)
                if expired - baseline < 16 { break }
            }
            #expect(expired - baseline < 16, "RSS \(baseline) → \(loaded) → \(expired) MiB after expiry")
            print("MemoryBudgetTests: history: RSS \(baseline) → \(loaded) → \(expired) MiB after expiry")
        }
    }

    @Test(
        "150 streams that never read, sent 3 messages of 5 MB, hold them once: under the pending budget plus 64 MiB",
        .timeLimit(.minutes(2)))
    func neverReadingStreams() async throws {
        let pendingBudget = 32
        let arguments = [
            "--max-hub-message-bytes", "6000000", "--max-pending-stream-bytes", "\(pendingBudget * Self.mebibyte)",
        ]
        try await LiveServer.withDemo(arguments: arguments, build: .release) { server in
            let port = server.port
            let grace = try await server.signedIn(as: 2)
            let baseline = try Self.residentMiB(server)
            let streams = try await DedicatedThread.run {
                let streams = try (0..<150).map { _ in
                    try HTTPSocket(port: port, path: "/chat/flood/stream", headers: grace.headers, receiveBuffer: 4096)
                }
                return streams.map { $0.read(until: "event: connected").contains("event: connected") ? $0 : nil }
            }
            #expect(streams.allSatisfy { $0 != nil }, "every stream connected")
            let text = String(repeating: "x", count: 5_000_000)
            let statuses = try await DedicatedThread.run {
                try (0..<3).map { _ in try Self.post(text, to: "flood", port: port, as: grace) }
            }
            #expect(statuses.allSatisfy { $0.hasPrefix("HTTP/1.1 200 ") }, "\(statuses)")
            try await Task.sleep(for: .seconds(3))
            let loaded = try Self.residentMiB(server)
            #expect(
                loaded - baseline < pendingBudget + 64,
                "RSS \(baseline) → \(loaded) MiB with \(streams.count) streams and a \(pendingBudget) MiB budget")
            print("MemoryBudgetTests: streams: RSS \(baseline) → \(loaded) MiB")
            withExtendedLifetime(streams) {}
        }
    }
}
