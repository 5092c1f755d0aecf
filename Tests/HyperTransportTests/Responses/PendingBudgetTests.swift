import Glibc
import Synchronization
import Testing

@testable import HyperTransport

/// What handed-off streams hold unwritten, over the process: a chunk sent to many streams is held
/// once, and past the budget the streams with the most pending are closed. Seen from the web
/// server's end of socket pairs that never read.
@Suite("Pending stream budget")
struct PendingBudgetTests {
    /// Where a channel reports how its response ended.
    private final class EndReport: Sendable {
        let outcome = Mutex<ResponseOutcome?>(nil)
    }

    /// A handed-off stream whose web server end never reads.
    private final class StalledStream: Sendable {
        let channel: ResponseChannel
        private let webServerEnd: Int32
        private let report = EndReport()

        init(budget: PendingBudget) {
            var pair: [Int32] = [0, 0]
            socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair)
            webServerEnd = pair[0]
            channel = ResponseChannel(capacity: 4096, wakeUp: WakeUpSignal()!)
            channel.startStreaming(heartbeat: nil)
            let connection = StreamConnection(
                descriptor: pair[1], framing: .fastCGIRecords(requestID: 1), budget: budget)
            let handedOff = channel.handOff(connection, headBytes: 0) { [report] ended in
                report.outcome.withLock { $0 = ended }
            }
            precondition(handedOff, "the pump took the stream")
        }

        deinit { close(webServerEnd) }

        /// How the stream ended, once it has.
        var ended: ResponseOutcome? { report.outcome.withLock { $0 } }

        /// Sends `bytes` in a task of its own: the send waits, since nobody reads.
        func sendInBackground(_ bytes: [UInt8]) -> Task<Void, any Error> {
            Task { [channel] in try await channel.send(bytes) }
        }

        /// The web server hangs up.
        func hangUp() { shutdown(webServerEnd, Int32(SHUT_RDWR)) }
    }

    /// Waits up to two seconds for `condition`.
    private func eventually(_ condition: () -> Bool) async throws {
        // Generous: it returns as soon as the condition holds, and a loaded machine runs the senders late.
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    }

    private let megabyte = 1024 * 1024

    @Test("a large chunk sent to several streams that do not read is held, and counted, once")
    func sharedChunkCountsOnce() async throws {
        let budget = PendingBudget(limit: 64 * megabyte)
        let streams = (0..<3).map { _ in StalledStream(budget: budget) }
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: megabyte)
        let sends = streams.map { $0.sendInBackground(chunk) }
        try await eventually { budget.usedBytes >= megabyte }
        #expect(budget.usedBytes >= megabyte && budget.usedBytes < megabyte + 64 * 1024, "\(budget.usedBytes) bytes")
        for stream in streams { stream.hangUp() }
        try await eventually { streams.allSatisfy { $0.ended != nil } }
        for send in sends { await #expect(throws: ClientDisconnectedError.self) { try await send.value } }
        #expect(budget.usedBytes == 0)
    }

    @Test("past the budget, the stream with the most pending is closed and the others keep streaming")
    func largestIsClosed() async throws {
        let budget = PendingBudget(limit: 3 * megabyte / 2)
        let small = StalledStream(budget: budget)
        let large = StalledStream(budget: budget)
        let smallSend = small.sendInBackground([UInt8](repeating: UInt8(ascii: "s"), count: megabyte))
        try await eventually { budget.usedBytes >= megabyte / 2 }
        let largeSend = large.sendInBackground([UInt8](repeating: UInt8(ascii: "l"), count: megabyte + megabyte / 4))
        await #expect(throws: ClientDisconnectedError.self) { try await largeSend.value }
        #expect(large.ended?.clientDisconnected == true)
        #expect(small.ended == nil)
        #expect(!small.channel.isClientGone)
        #expect(budget.usedBytes <= budget.limit, "\(budget.usedBytes) bytes pending")
        small.hangUp()
        await #expect(throws: ClientDisconnectedError.self) { try await smallSend.value }
        try await eventually { budget.usedBytes == 0 }
        #expect(budget.usedBytes == 0)
    }

    @Test("small events are copied and counted per stream; what a stream still holds when it ends stops counting")
    func copiedBytesCountPerStream() async throws {
        let budget = PendingBudget(limit: 64 * megabyte)
        let streams = (0..<2).map { _ in StalledStream(budget: budget) }
        let event = [UInt8](repeating: UInt8(ascii: "e"), count: 1000)
        let sends = streams.map { stream in
            Task { [channel = stream.channel] in
                for _ in 0..<1000 { try await channel.send(event) }
            }
        }
        try await eventually { budget.usedBytes > 2 * 4096 }
        #expect(budget.usedBytes > 2 * 4096, "both streams hold their own copies past their capacity")
        for stream in streams { stream.hangUp() }
        for send in sends { await #expect(throws: ClientDisconnectedError.self) { try await send.value } }
        #expect(budget.usedBytes == 0)
    }
}
