import Glibc
import Synchronization
import Testing

@testable import HyperTransport

/// A stream's connection after its request thread handed it to the channel and the pump: the
/// records it writes, its end, the client leaving, heartbeats and backpressure, seen from the
/// web server's end of a socket pair.
@Suite("Stream hand-off")
struct StreamHandOffTests {
    /// The web server's end of a handed-off connection. Its reads block, so tests run them on a
    /// thread of their own (`offThePool`), never on the cooperative pool the channel needs.
    private final class WebServerEnd: Sendable {
        let descriptor: Int32
        let streamEnd: Int32

        init() {
            var pair: [Int32] = [0, 0]
            socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair)
            descriptor = pair[0]
            streamEnd = pair[1]
        }

        deinit { close(descriptor) }

        /// Reads until the stream end closes the connection, at most `timeout`.
        func readToEnd(timeout: Duration = .seconds(5)) -> [UInt8] {
            readAvailable(for: timeout)
        }

        /// Reads what arrives within `timeout`, or until the stream end closes the connection.
        func readAvailable(for timeout: Duration) -> [UInt8] {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&ready, 1, 10) > 0 else { continue }
                let count = read(descriptor, &buffer, buffer.count)
                if count <= 0 { break }
                bytes += buffer[0..<count]
            }
            return bytes
        }
    }

    /// One FastCGI record as the web server parses it.
    private struct Record: Equatable {
        var type: UInt8
        var requestID: UInt16
        var content: [UInt8]
    }

    private func records(in bytes: [UInt8]) -> [Record] {
        FastCGIRecord.decode(bytes).map {
            Record(type: $0.header.type, requestID: $0.header.requestID, content: $0.content)
        }
    }

    private func stdout(_ records: [Record]) -> [UInt8] {
        records.filter { $0.type == 6 }.flatMap(\.content)
    }

    /// Where the channel reports the end of the response.
    private final class Ending: Sendable {
        private let outcome = Mutex<(ResponseOutcome, ContinuousClock.Instant)?>(nil)
        func report(_ value: ResponseOutcome) { outcome.withLock { $0 = (value, .now) } }
        var reported: ResponseOutcome? { outcome.withLock { $0?.0 } }
        var reportedAt: ContinuousClock.Instant? { outcome.withLock { $0?.1 } }
    }

    /// A channel whose connection is handed off at once, and where its end is reported.
    private func handedOffChannel(
        _ server: WebServerEnd, capacity: Int = 1024, heartbeat: ResponseChannel.Heartbeat? = nil,
        framing: StreamConnection.Framing = .fastCGIRecords(requestID: 7)
    ) -> (ResponseChannel, Ending) {
        let channel = ResponseChannel(capacity: capacity, wakeUp: WakeUpSignal()!)
        channel.startStreaming(heartbeat: heartbeat)
        let ending = Ending()
        let connection = StreamConnection(descriptor: server.streamEnd, framing: framing)
        #expect(channel.handOff(connection, headBytes: 10) { ending.report($0) })
        return (channel, ending)
    }

    @Test("each send is one standard-output record; finish sends the end of the request and closes")
    func recordsAndEnd() async throws {
        let server = WebServerEnd()
        let (channel, ended) = handedOffChannel(server)
        try await channel.send(Array("data: 1\n\n".utf8))
        try await channel.send(Array("data: 2\n\n".utf8))
        channel.finish()
        let received = records(in: await offThePool { server.readToEnd() })
        #expect(
            received == [
                Record(type: 6, requestID: 7, content: Array("data: 1\n\n".utf8)),
                Record(type: 6, requestID: 7, content: Array("data: 2\n\n".utf8)),
                Record(type: 6, requestID: 7, content: []),
                Record(type: 3, requestID: 7, content: [0, 0, 0, 0, 0, 0, 0, 0]),
            ])
        #expect(ended.reported == ResponseOutcome(bytesWritten: 28, clientDisconnected: false))
    }

    @Test("a large chunk, queued by reference, arrives whole and in order in records of at most 65535 bytes")
    func largeChunk() async throws {
        let server = WebServerEnd()
        let (channel, ended) = handedOffChannel(server)
        let large = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let reader = Task { await offThePool { server.readToEnd(timeout: .seconds(10)) } }
        try await channel.send(Array("data: 1\n\n".utf8))
        try await channel.send(large)
        try await channel.send(Array("data: 2\n\n".utf8))
        channel.finish()
        let received = records(in: await reader.value)
        #expect(stdout(received) == Array("data: 1\n\n".utf8) + large + Array("data: 2\n\n".utf8))
        #expect(received.allSatisfy { $0.content.count <= 65535 })
        #expect(received.filter { $0.type == 6 }.count == 7, "1 + 4 for 200,000 bytes + 1 + the empty end")
        #expect(ended.reported == ResponseOutcome(bytesWritten: 10 + 200_018, clientDisconnected: false))
    }

    @Test("raw framing (SCGI): each send is its bytes as they are; finish closes the connection")
    func rawBytesAndEnd() async throws {
        let server = WebServerEnd()
        let (channel, ended) = handedOffChannel(server, framing: .raw)
        try await channel.send(Array("data: 1\n\n".utf8))
        try await channel.send(Array("data: 2\n\n".utf8))
        channel.finish()
        let received = await offThePool { server.readToEnd() }
        #expect(received == Array("data: 1\n\ndata: 2\n\n".utf8))
        #expect(ended.reported == ResponseOutcome(bytesWritten: 28, clientDisconnected: false))
    }

    @Test("raw framing (SCGI): ending from outside writes the farewell, then closes")
    func rawFarewell() async throws {
        let server = WebServerEnd()
        let (channel, ended) = handedOffChannel(server, framing: .raw)
        try await channel.send(Array("data: 1\n\n".utf8))
        #expect(channel.end(appending: Array(": bye\n\n".utf8)))
        let received = await offThePool { server.readToEnd() }
        #expect(received == Array("data: 1\n\n: bye\n\n".utf8))
        #expect(ended.reported?.clientDisconnected == false)
        await #expect(throws: ResponseEndedError()) { try await channel.send(Array("x".utf8)) }
    }

    @Test("the web server closing the connection ends the stream at once and makes send throw")
    func hangUp() async throws {
        let server = WebServerEnd()
        let (channel, ended) = handedOffChannel(server)
        try await channel.send(Array("data: 1\n\n".utf8))
        let closed = ContinuousClock.now
        shutdown(server.descriptor, Int32(SHUT_RDWR))
        while ended.reported == nil && ContinuousClock.now - closed < .seconds(2) {
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(try #require(ended.reportedAt) - closed < .milliseconds(100))
        #expect(ended.reported?.clientDisconnected == true)
        #expect(channel.isClientGone)
        await #expect(throws: ClientDisconnectedError()) { try await channel.send(Array("x".utf8)) }
    }

    @Test("the pump sends a silent stream its heartbeat after the interval")
    func heartbeat() async throws {
        let server = WebServerEnd()
        let ping = Array(": ping\n\n".utf8)
        let handedOff = ContinuousClock.now
        let (channel, _) = handedOffChannel(server, heartbeat: .init(interval: .milliseconds(150), bytes: ping))
        let first = await offThePool { () -> (bytes: [UInt8], at: ContinuousClock.Instant) in
            let bytes = server.readAvailable(for: .milliseconds(250))
            return (bytes, .now)
        }
        channel.finish()
        let body = stdout(records(in: first.bytes))
        #expect(body.starts(with: ping))
        #expect(first.at - handedOff >= .milliseconds(150))
    }

    @Test("a heartbeat is due only after the interval of silence; output starts the interval again")
    func heartbeatFollowsSilence() async throws {
        let server = WebServerEnd()
        let ping = Array(": ping\n\n".utf8)
        let (channel, _) = handedOffChannel(server, heartbeat: .init(interval: .seconds(60), bytes: ping))
        let start = ContinuousClock.now
        try await channel.send(Array("data: 1\n\n".utf8))
        channel.sendHeartbeatIfDue(at: start + .seconds(30))
        try await channel.send(Array("data: 2\n\n".utf8))
        let sent = ContinuousClock.now
        channel.sendHeartbeatIfDue(at: sent + .seconds(59))
        channel.sendHeartbeatIfDue(at: sent + .seconds(61))
        channel.finish()
        let body = stdout(records(in: await offThePool { server.readToEnd() }))
        #expect(body == Array("data: 1\n\ndata: 2\n\n".utf8) + ping)
    }

    @Test("send waits while the web server does not read, and every byte arrives in order")
    func backpressure() async throws {
        let server = WebServerEnd()
        let (channel, ended) = handedOffChannel(server, capacity: 4096)
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1000)
        let sent = Mutex(0)
        let producer = Task {
            for index in 0..<2000 {
                try await channel.send(chunk + Array("\(index)\n".utf8))
                sent.withLock { $0 = index + 1 }
            }
            channel.finish()
        }
        try await Task.sleep(for: .milliseconds(300))
        let sentWhileStalled = sent.withLock { $0 }
        #expect(sentWhileStalled < 2000, "the socket buffer and the capacity cannot hold 2 MB")
        let body = stdout(records(in: await offThePool { server.readToEnd(timeout: .seconds(20)) }))
        try await producer.value
        let expected = (0..<2000).flatMap { chunk + Array("\($0)\n".utf8) }
        #expect(body == expected)
        #expect(ended.reported?.clientDisconnected == false)
    }

    @Test("end(appending:) writes the final bytes after what was sent, then the end of the request")
    func endFromOutside() async throws {
        let server = WebServerEnd()
        let (channel, ended) = handedOffChannel(server)
        try await channel.send(Array("data: 1\n\n".utf8))
        #expect(channel.end(appending: Array(": bye\n\n".utf8)))
        let received = records(in: await offThePool { server.readToEnd() })
        #expect(stdout(received) == Array("data: 1\n\n: bye\n\n".utf8))
        #expect(received.last?.type == 3)
        #expect(ended.reported?.clientDisconnected == false)
        await #expect(throws: ResponseEndedError()) { try await channel.send([1]) }
    }
}
