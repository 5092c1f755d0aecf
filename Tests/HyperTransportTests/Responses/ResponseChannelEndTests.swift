import Testing

@testable import HyperTransport

@Suite("ResponseChannel.end(appending:)")
struct ResponseChannelEndTests {
    private func makeChannel(capacity: Int = 1024) -> ResponseChannel {
        ResponseChannel(capacity: capacity, wakeUp: WakeUpSignal()!)
    }

    @Test("queues the final bytes after what was sent and finishes the response")
    func finalBytesComeLast() async throws {
        let channel = makeChannel()
        try await channel.send(Array("data: 1\n\n".utf8))
        #expect(channel.end(appending: Array(": bye\n\n".utf8)))
        #expect(channel.wasEndedFromOutside)
        guard case .finish(let chunks) = channel.next(watching: -1) else {
            Issue.record("the response did not finish")
            return
        }
        #expect(chunks == [Array("data: 1\n\n".utf8), Array(": bye\n\n".utf8)])
    }

    @Test("later sends throw ResponseEndedError")
    func laterSendsThrow() async {
        let channel = makeChannel()
        channel.end(appending: [])
        await #expect(throws: ResponseEndedError()) { try await channel.send([1]) }
    }

    @Test("a send waiting for room is woken with ResponseEndedError")
    func waitingSendIsWoken() async throws {
        let channel = makeChannel(capacity: 4)
        let producer = Task { try await channel.send([1, 2, 3, 4, 5, 6]) }
        try await Task.sleep(for: .milliseconds(50))
        channel.end(appending: [9])
        await #expect(throws: ResponseEndedError()) { try await producer.value }
    }

    @Test("does nothing once the response has finished")
    func noEffectAfterFinish() {
        let channel = makeChannel()
        channel.finish()
        #expect(!channel.end(appending: [1]))
        #expect(!channel.wasEndedFromOutside)
    }
}
