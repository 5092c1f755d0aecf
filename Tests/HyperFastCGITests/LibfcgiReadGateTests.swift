import Glibc
import Testing

@testable import HyperFastCGI

@Suite("libfcgi read gate")
struct LibfcgiReadGateTests {
    @Test("a read outlasting the connection's receive timeout (a TCP connection's, inherited) waits on")
    func readOutlastsReceiveTimeout() async throws {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        let (connection, webServer) = (pair[0], pair[1])
        defer {
            LibfcgiReadGate.forget(connection)
            close(connection)
            close(webServer)
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 20_000)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let begin: [UInt8] = [1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]  // begin-request, responder
        let sender = Task.detached {
            try await Task.sleep(for: .milliseconds(150))  // several receive timeouts
            _ = begin.withUnsafeBytes { write(webServer, $0.baseAddress, $0.count) }
        }
        let read = await offThePool {
            var buffer = [UInt8](repeating: 0, count: 64)
            let count = buffer.withUnsafeMutableBytes {
                LibfcgiReadGate.read(connection, into: $0.baseAddress, count: $0.count)
            }
            return Array(buffer.prefix(max(0, count)))
        }
        try await sender.value
        #expect(read == begin)
    }
}
