import Foundation
import Glibc
import Synchronization
import Testing

@testable import HyperTransport

@Suite("Listening sockets")
struct ListeningSocketTests {
    private func temporaryDirectory() -> String {
        var template = Array("/tmp/hyper-socket.XXXXXX".utf8CString)
        return String(cString: mkdtemp(&template)!)
    }

    @Test("a unix socket is created with the requested mode and removed on close")
    func unixSocket() throws {
        let path = temporaryDirectory() + "/app.sock"
        let socket = try ListeningSocket.unix(path: path, mode: 0o660)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        socket.close()
        #expect(access(path, F_OK) != 0)
    }

    @Test("the socket file appears only once the socket listens: a client that finds it connects")
    func appearsListening() async throws {
        let folder = temporaryDirectory()
        let path = folder + "/app.sock"
        for _ in 0..<200 {
            // A client on a thread of its own tries to connect until the file is there: a file
            // bound but not yet listening would refuse it.
            let outcome = Mutex<Int32?>(nil)
            startThread {
                var address = sockaddr_un()
                address.sun_family = sa_family_t(AF_UNIX)
                withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
                let deadline = ContinuousClock.now + .seconds(5)
                while ContinuousClock.now < deadline {
                    let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
                    defer { Glibc.close(probe) }
                    let connected = withUnsafePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                        }
                    }
                    if connected == 0 || errno != ENOENT {
                        outcome.withLock { $0 = connected == 0 ? 0 : errno }
                        return
                    }
                }
                outcome.withLock { $0 = ETIMEDOUT }
            }
            let listening = try ListeningSocket.unix(path: path)
            while outcome.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(1)) }
            let failure = outcome.withLock { $0 } ?? 0
            listening.close()
            #expect(failure == 0, "connect failed: \(String(cString: strerror(failure)))")
            if failure != 0 { break }
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(left.isEmpty, "no temporary file is left: \(left)")
    }

    @Test("a unix socket path too long for sun_path and its temporary name is refused")
    func longPath() throws {
        let path = "/tmp/" + String(repeating: "a", count: 100)
        #expect(throws: ListeningSocketError.self) { try ListeningSocket.unix(path: path) }
        do {
            _ = try ListeningSocket.unix(path: path)
        } catch {
            #expect("\(error)".hasPrefix("HyperTransport: unix socket path must be 1..."), "\(error)")
        }
    }

    @Test("a stale socket file left by a dead process is replaced")
    func replacesStaleSocket() throws {
        let path = temporaryDirectory() + "/app.sock"
        let first = try ListeningSocket.unix(path: path)
        Glibc.close(first.descriptor)  // the process "died": the file stays, nobody accepts
        #expect(access(path, F_OK) == 0)
        let second = try ListeningSocket.unix(path: path)
        second.close()
    }

    @Test("a socket a live process accepts on is not stolen")
    func refusesLiveSocket() throws {
        let path = temporaryDirectory() + "/app.sock"
        let live = try ListeningSocket.unix(path: path)
        defer { live.close() }
        #expect(throws: ListeningSocketError.addressInUse("another process is accepting on \(path)")) {
            try ListeningSocket.unix(path: path)
        }
    }

    @Test("an unknown group is refused and leaves no socket file behind")
    func unknownGroup() throws {
        let path = temporaryDirectory() + "/app.sock"
        #expect(throws: ListeningSocketError.invalidAddress("no such group: no-such-group-hyper")) {
            try ListeningSocket.unix(path: path, group: "no-such-group-hyper")
        }
        #expect(access(path, F_OK) != 0)
    }

    @Test("TCP binds a numeric address; a host name or a taken port is refused")
    func tcp() throws {
        let socket = try ListeningSocket.tcp(host: "127.0.0.1", port: 0)
        defer { socket.close() }
        #expect(throws: ListeningSocketError.invalidAddress("not a numeric IP address: localhost")) {
            try ListeningSocket.tcp(host: "localhost", port: 0)
        }
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket.descriptor, $0, &length) }
        }
        let port = UInt16(bigEndian: address.sin_port)
        #expect(throws: ListeningSocketError.addressInUse("127.0.0.1:\(port) is in use")) {
            try ListeningSocket.tcp(host: "127.0.0.1", port: port)
        }
    }

    @Test("an inherited descriptor that is not a listening socket is refused with a hint")
    func inheritedNotListening() {
        // The test runner's descriptor 0 is not a listening socket, and LISTEN_PID names another process.
        #expect(
            throws: ListeningSocketError.notListening(
                "descriptor 0 is not a listening socket; pass --socket PATH or --listen HOST:PORT")
        ) {
            try ListeningSocket.inherited(environment: ["LISTEN_FDS": "1", "LISTEN_PID": "1"])
        }
    }
}

@Suite("Descriptor limit")
struct DescriptorLimitTests {
    @Test("openCount sees a descriptor opened and closed")
    func openCount() {
        // Other tests of this process open and close descriptors meanwhile: one attempt of
        // twenty free of them is enough, while a wrong count fails every attempt.
        let exact = (0..<20).contains { _ in
            let before = DescriptorLimit.openCount()
            let extra = dup(1)
            let opened = DescriptorLimit.openCount()
            close(extra)
            return opened == before + 1 && DescriptorLimit.openCount() == before
        }
        #expect(exact)
    }

    @Test(
        "the budget leaves the open descriptors and a reserve out; threads (two each) get a quarter or up to 64, streams the rest"
    )
    func budget() {
        #expect(DescriptorLimit.budget(within: 64, alreadyOpen: 0) == (threads: 8, streams: 16))
        #expect(DescriptorLimit.budget(within: 256, alreadyOpen: 10) == (threads: 53, streams: 108))
        #expect(DescriptorLimit.budget(within: 20_000, alreadyOpen: 12) == (threads: 2420, streams: 14523))
        #expect(DescriptorLimit.budget(within: 8, alreadyOpen: 8) == (threads: 1, streams: 1))
        for limit in [64, 256, 1024, 20_000, 65_536] {
            let (threads, streams) = DescriptorLimit.budget(within: limit, alreadyOpen: 12)
            let reserve = min((limit - 12) / 2, max(32, limit / 32))
            #expect(12 + 2 * threads + streams + reserve <= limit, "limit \(limit)")
        }
    }
}
