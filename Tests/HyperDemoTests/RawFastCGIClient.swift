import Foundation
import Glibc

@testable import HyperTransport

/// A FastCGI peer speaking raw records to the app's unix socket, to send what nginx never would.
struct RawFastCGIClient {
    let descriptor: Int32

    init(socketPath: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: socketPath.utf8)
            raw[socketPath.utf8.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { throw TestSupportError("cannot connect to \(socketPath)") }
    }

    func close() {
        Glibc.close(descriptor)
    }

    /// One record: version 1, the type, request ID 1, the content, no padding.
    static func record(_ type: FastCGIRecord.RecordType, _ content: [UInt8]) -> [UInt8] {
        FastCGIRecord.records(type, requestID: 1, content: content)
    }

    /// A responder BEGIN_REQUEST record.
    static var beginRequest: [UInt8] { record(.beginRequest, FastCGIRecord.beginRequestBody()) }

    /// PARAMS records holding `parameters`, then the empty one that ends them.
    static func params(_ parameters: [(String, String)]) -> [UInt8] {
        let content = FastCGIRecord.encodedPairs(parameters.map { (Array($0.0.utf8), Array($0.1.utf8)) })
        return record(.params, content) + record(.params, [])
    }

    /// Writes `bytes`; a connection the app has closed fails the write (no SIGPIPE).
    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Half-closes the connection: the app sees end of file after what was sent.
    func finishSending() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Everything the app sends until it closes the connection or `timeout` passes.
    func receiveAll(timeout: Duration = .seconds(5)) -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) >= 0 else { break }
            guard poller.revents != 0 else { continue }
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return received
    }

    /// The STDOUT content of a response, joined from its records.
    static func stdout(of bytes: [UInt8]) -> String {
        let output = FastCGIRecord.decode(bytes).filter { $0.header.type == FastCGIRecord.RecordType.stdout.rawValue }
        return String(decoding: output.flatMap(\.content), as: UTF8.self)
    }
}
