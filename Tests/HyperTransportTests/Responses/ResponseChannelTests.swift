import Glibc
import Testing

@testable import HyperTransport

/// The request thread's side (`next`) blocks: the tests call it off the cooperative pool, which the
/// producer's task needs meanwhile (two threads here; both blocked would never wake).
@Suite("Response channel")
struct ResponseChannelTests {
    /// A connected socket pair standing in for the web server's connection.
    private final class Connection {
        let local: Int32
        let peer: Int32
        init() {
            var pair: [Int32] = [0, 0]
            socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair)
            local = pair[0]
            peer = pair[1]
        }
        deinit {
            close(local)
            close(peer)
        }
    }

    /// The request thread's next step, taken on a thread of its own.
    private func next(from channel: ResponseChannel, watching connection: Connection) async -> ResponseChannel.Next {
        let local = connection.local
        return await offThePool { channel.next(watching: local) }
    }

    @Test("chunks sent by the producer come out in order, then the end")
    func deliversInOrder() async throws {
        let connection = Connection()
        let channel = ResponseChannel(capacity: 1024, wakeUp: WakeUpSignal()!)
        try await channel.send(Array("a".utf8))
        try await channel.send(Array("b".utf8))
        channel.finish()
        guard case .finish(let chunks) = await next(from: channel, watching: connection) else {
            Issue.record("expected the end")
            return
        }
        #expect(chunks == [Array("a".utf8), Array("b".utf8)])
    }

    @Test("a streaming channel asks the thread to flush and hand the connection off")
    func streamingHandsOff() async throws {
        let connection = Connection()
        let channel = ResponseChannel(capacity: 1024, wakeUp: WakeUpSignal()!)
        channel.startStreaming(heartbeat: nil)
        try await channel.send(Array("event".utf8))
        guard case .write(let chunks, let isStream) = await next(from: channel, watching: connection) else {
            Issue.record("expected a write")
            return
        }
        #expect(chunks == [Array("event".utf8)])
        #expect(isStream)
    }

    @Test("send suspends while the buffer is over capacity and resumes when it is drained")
    func backpressure() async throws {
        let connection = Connection()
        let channel = ResponseChannel(capacity: 4, wakeUp: WakeUpSignal()!)
        let producer = Task {
            try await channel.send(Array("12345".utf8))  // over capacity: waits for the consumer
            return ContinuousClock.now
        }
        try await Task.sleep(for: .milliseconds(100))
        let drained = ContinuousClock.now
        guard case .write(let chunks, _) = await next(from: channel, watching: connection) else {
            Issue.record("expected a write")
            return
        }
        #expect(chunks == [Array("12345".utf8)])
        let resumed = try await producer.value
        #expect(resumed >= drained)
    }

    @Test("a hang-up wakes the waiting thread and makes pending and later sends throw")
    func hangUp() async throws {
        let connection = Connection()
        let channel = ResponseChannel(capacity: 4, wakeUp: WakeUpSignal()!)
        let producer = Task { try await channel.send(Array("123456".utf8)) }
        try await Task.sleep(for: .milliseconds(50))
        _ = await next(from: channel, watching: connection)  // takes the chunk; the producer may go on
        _ = try? await producer.value
        // Timed on the waiting thread itself: the test's task may wait for the pool afterwards.
        let (local, peer) = (connection.local, connection.peer)
        let (step, took) = await offThePool { () -> (ResponseChannel.Next, Duration) in
            let started = ContinuousClock.now
            shutdown(peer, Int32(SHUT_RDWR))
            let step = channel.next(watching: local)
            return (step, ContinuousClock.now - started)
        }
        guard case .clientGone = step else {
            Issue.record("expected clientGone")
            return
        }
        #expect(took < .milliseconds(100))
        await #expect(throws: ClientDisconnectedError()) { try await channel.send(Array("x".utf8)) }
    }

    @Test("a producer waiting for room is released with CancellationError when its task is cancelled")
    func cancellation() async throws {
        let channel = ResponseChannel(capacity: 1, wakeUp: WakeUpSignal()!)
        let producer = Task { try await channel.send(Array("toolong".utf8)) }
        try await Task.sleep(for: .milliseconds(50))
        producer.cancel()
        await #expect(throws: CancellationError.self) { try await producer.value }
    }
}
