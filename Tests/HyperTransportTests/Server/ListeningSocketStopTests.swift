import Glibc
import Testing

@testable import HyperTransport

@Suite("Listening sockets when the server stops")
struct ListeningSocketStopTests {
    private func temporaryDirectory() -> String {
        var template = Array("/tmp/hyper-socket.XXXXXX".utf8CString)
        return String(cString: mkdtemp(&template)!)
    }

    /// Connects to the unix socket at `path`; returns the descriptor or -1.
    private func connect(to path: String) -> Int32 {
        let client = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(client, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result != 0 {
            Glibc.close(client)
            return -1
        }
        return client
    }

    @Test("stopNewConnections removes the file, and a connection already queued can still be accepted")
    func queuedConnectionSurvivesStop() throws {
        let path = temporaryDirectory() + "/app.sock"
        let socket = try ListeningSocket.unix(path: path)
        defer { socket.close() }
        #expect(socket.drainsBacklogOnStop)
        let queued = connect(to: path)
        #expect(queued >= 0)
        defer { Glibc.close(queued) }
        socket.stopNewConnections()
        #expect(access(path, F_OK) != 0)
        #expect(connect(to: path) == -1)
        let accepted = accept(socket.descriptor, nil, nil)
        #expect(accepted >= 0)
        Glibc.close(accepted)
        let waited = ContinuousClock.now
        #expect(accept(socket.descriptor, nil, nil) == -1 && errno == EAGAIN, "accept gives up")
        #expect(ContinuousClock.now - waited < ListeningSocket.acceptWaitLimit * 4)
    }

    @Test("close leaves alone a socket file another process has bound at the same path since")
    func closeSparesANewOwner() throws {
        let path = temporaryDirectory() + "/app.sock"
        let old = try ListeningSocket.unix(path: path)
        old.stopNewConnections()
        let new = try ListeningSocket.unix(path: path)
        defer { new.close() }
        old.close()
        #expect(access(path, F_OK) == 0)
        let client = connect(to: path)
        #expect(client >= 0)
        Glibc.close(client)
    }
}
