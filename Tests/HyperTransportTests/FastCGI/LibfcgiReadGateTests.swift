import CHyperSystem
import Glibc
import Logging
import Testing

@testable import HyperTransport

@Suite("libfcgi read gate")
struct LibfcgiReadGateTests {
    private static let begin: [UInt8] = [1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]  // begin-request, responder

    /// A connected pair of unix sockets: the app's end and the web server's.
    private final class Connection: Sendable {
        let app: Int32
        let webServer: Int32

        init() {
            var pair: [Int32] = [0, 0]
            precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
            (app, webServer) = (pair[0], pair[1])
        }

        deinit {
            close(app)
            close(webServer)
        }

        func send(_ bytes: [UInt8]) {
            _ = bytes.withUnsafeBytes { write(webServer, $0.baseAddress, $0.count) }
        }
    }

    /// A gate for a new request on `connection` with `timeout`, reading once into 64 bytes.
    private static func readOnce(from connection: Connection, timeout: Duration) -> (count: Int, errno: Int32) {
        let gate = LibfcgiReadGate(requestTimeout: timeout, logger: Logger(label: "test"))
        gate.beginRequest()
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { gate.read(connection.app, into: $0.baseAddress, count: $0.count) }
        return (count, errno)
    }

    @Test("libfcgi's OS_Read resolves to the gate in the test program")
    func interposed() throws {
        try LibfcgiReadGate.verifyInterposition()
        #expect(hyper_read_gate_is_interposed() == 1)
    }

    @Test("a read waits for input that comes later, within the request timeout")
    func readWaitsForInput() async throws {
        let connection = Connection()
        startThread {
            usleep(150_000)
            connection.send(Self.begin)
        }
        let (count, _) = await offThePool { Self.readOnce(from: connection, timeout: .seconds(5)) }
        #expect(count == Self.begin.count)
    }

    @Test("a request that sends nothing fails with ETIMEDOUT once the request timeout has passed")
    func silentPeerTimesOut() async {
        let connection = Connection()
        let (count, code, took) = await offThePool {
            let started = ContinuousClock.now
            let (count, code) = Self.readOnce(from: connection, timeout: .milliseconds(200))
            return (count, code, ContinuousClock.now - started)
        }
        #expect(count == -1 && code == ETIMEDOUT)
        #expect(took >= .milliseconds(200) && took < .seconds(2), "\(took)")
    }

    @Test("a peer that trickles its request byte by byte is cut at the request timeout")
    func tricklingPeerTimesOut() async {
        let connection = Connection()
        startThread {
            for byte in Self.begin {
                connection.send([byte])
                usleep(50_000)
            }
        }
        let codes: [Int32] = await offThePool {
            let gate = LibfcgiReadGate(requestTimeout: .milliseconds(300), logger: Logger(label: "test"))
            gate.beginRequest()
            var codes: [Int32] = []
            while codes.last != ETIMEDOUT && codes.count < Self.begin.count {
                var byte: UInt8 = 0
                let count = gate.read(connection.app, into: &byte, count: 1)
                codes.append(count == 1 ? 0 : errno)
            }
            return codes
        }
        #expect(codes.last == ETIMEDOUT, "\(codes)")
        #expect(codes.count < Self.begin.count)
    }

    @Test("a whole request ends the deadline: the next read on the connection waits for the next request")
    func wholeRequestEndsDeadline() async throws {
        let connection = Connection()
        let stdinEnd: [UInt8] = [1, 5, 0, 1, 0, 0, 0, 0]
        let params: [UInt8] = [1, 4, 0, 1, 0, 0, 0, 0]
        connection.send(Self.begin + params + stdinEnd)
        startThread {
            usleep(400_000)  // longer than the request timeout
            connection.send(Self.begin)
        }
        let counts: [Int] = await offThePool {
            let gate = LibfcgiReadGate(requestTimeout: .milliseconds(200), logger: Logger(label: "test"))
            gate.beginRequest()
            var buffer = [UInt8](repeating: 0, count: 64)
            return (0..<2).map { _ in
                buffer.withUnsafeMutableBytes { gate.read(connection.app, into: $0.baseAddress, count: $0.count) }
            }
        }
        #expect(counts == [32, Self.begin.count])
    }
}
