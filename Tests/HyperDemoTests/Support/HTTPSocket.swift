import Glibc

/// A bare HTTP/1.1 connection to 127.0.0.1, for tests that open many streams at once or need
/// to hang up at a precise moment (curl processes are too heavy and too slow for that).
final class HTTPSocket: Sendable {
    let descriptor: Int32

    /// Connects to `port` and sends `method path` with `headers` and `body` (with its
    /// `Content-Length` when not empty). `receiveBuffer`, if given, is the socket's receive buffer
    /// size, set before connecting: a client that stops reading then holds little in its kernel.
    init(
        port: Int, path: String, method: String = "GET", headers: [String] = [], body: [UInt8] = [],
        receiveBuffer: Int32? = nil
    ) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HTTPSocketError("socket() failed: errno \(errno)") }
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            throw HTTPSocketError("connect to port \(port) failed: errno \(errno)")
        }
        let length = body.isEmpty ? [] : ["Content-Length: \(body.count)"]
        let head =
            (["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1", "Connection: close"] + length + headers + ["", ""])
            .joined(separator: "\r\n")
        let request = Array(head.utf8) + body
        var sent = 0
        while sent < request.count {
            let count = request.withUnsafeBytes {
                send(descriptor, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else {
                Glibc.close(descriptor)
                throw HTTPSocketError("sending the request failed after \(sent) bytes: errno \(errno)")
            }
            sent += count
        }
    }

    deinit {
        Glibc.close(descriptor)
    }

    /// Reads until the response so far contains `needle` (nil: until the server closes) or
    /// `timeout` passes; returns what came.
    func read(until needle: String? = nil, timeout: Duration = .seconds(10)) -> String {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while needle.map({ !String(decoding: received, as: UTF8.self).contains($0) }) ?? true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { break }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(
                remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000)
            guard poll(&poller, 1, max(1, milliseconds)) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// A whole response to `GET path` on a new connection (`Connection: close`): headers and body.
    static func get(port: Int, path: String) throws -> String {
        let connection = try HTTPSocket(port: port, path: path)
        return connection.read(timeout: .seconds(5))
    }
}

struct HTTPSocketError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = "HTTPSocket: " + message }
}
