import Foundation
import Testing
import HyperTesting

@testable import HyperTransport

@Suite("Bad input through nginx and raw FastCGI")
struct BadInputTests {
    private static let getAbout: [(String, String)] = [
        ("REQUEST_METHOD", "POST"), ("DOCUMENT_URI", "/about"), ("REQUEST_URI", "/about"), ("QUERY_STRING", ""),
        ("CONTENT_TYPE", "text/plain"),
    ]

    private func expectStillServing(_ server: LiveServer, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        #expect(server.app.isRunning, sourceLocation: sourceLocation)
        #expect(try await server.request("/about").status == 200, sourceLocation: sourceLocation)
    }

    @Test("a body over --max-body is a 413, logged, and the server goes on", arguments: WireProtocol.allCases)
    func bodyTooLarge(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol, arguments: ["--max-body", "1024"]) { server in
            let response = try await LiveServer.request(
                url: server.baseURL + "/about", method: "POST", body: String(repeating: "x", count: 2000))
            #expect(response.status == 413)
            #expect(server.appLog.contains("larger than 1024 bytes"))
            let small = try await LiveServer.request(
                url: server.baseURL + "/about", method: "POST", body: String(repeating: "x", count: 1000))
            #expect(small.status == 405)  // within the limit: the route's answer
            try await expectStillServing(server)
        }
    }

    @Test("a NUL byte is a 400 from nginx; a path above the root, sent raw, a 400 from the app")
    func badPaths() async throws {
        try await LiveServer.withDemo { server in
            let nul = try await LiveServer.request(url: server.baseURL + "/users/%00")
            #expect(nul.status == 400)
            for path in ["/../etc/passwd", "/a/../../b"] {
                let client = try RawFastCGIClient(socketPath: server.app.socket)
                defer { client.close() }
                client.send(
                    RawFastCGIClient.beginRequest
                        + RawFastCGIClient.params([
                            ("REQUEST_METHOD", "GET"), ("DOCUMENT_URI", path), ("QUERY_STRING", ""),
                        ])
                        + RawFastCGIClient.record(.stdin, []))
                let output = RawFastCGIClient.stdout(of: client.receiveAll(timeout: .seconds(2)))
                #expect(output.hasPrefix("Status: 400 Bad Request\r\n"), "\(path.debugDescription)")
            }
            #expect(server.appLog.contains("The request path is not valid."))
            try await expectStillServing(server)
        }
    }

    @Test("a body that ends before Content-Length is a 400 and never reaches a route")
    func truncatedBody() async throws {
        try await LiveServer.withDemo { server in
            let client = try RawFastCGIClient(socketPath: server.app.socket)
            defer { client.close() }
            client.send(
                RawFastCGIClient.beginRequest + RawFastCGIClient.params(Self.getAbout + [("CONTENT_LENGTH", "100")]))
            client.send(RawFastCGIClient.record(.stdin, Array("only ten b".utf8)))
            client.finishSending()
            let output = RawFastCGIClient.stdout(of: client.receiveAll())
            #expect(output.hasPrefix("Status: 400 Bad Request\r\n"))
            #expect(output.contains("The request body ended early (10 of 100 bytes)."))
            try await expectStillServing(server)
        }
    }

    @Test("an aborted request whose body stops short is a 400 too")
    func abortedBody() async throws {
        try await LiveServer.withDemo { server in
            let client = try RawFastCGIClient(socketPath: server.app.socket)
            defer { client.close() }
            client.send(
                RawFastCGIClient.beginRequest + RawFastCGIClient.params(Self.getAbout + [("CONTENT_LENGTH", "100")]))
            client.send(
                RawFastCGIClient.record(.stdin, Array("partial".utf8)) + RawFastCGIClient.record(.abortRequest, []))
            let output = RawFastCGIClient.stdout(of: client.receiveAll(timeout: .seconds(2)))
            #expect(!output.contains("405"))  // the route never ran
            try await expectStillServing(server)
        }
    }

    @Test("clients that connect and leave without a request leak no descriptor")
    func emptyConnections() async throws {
        try await LiveServer.withDemo { server in
            func connectAndLeave(_ count: Int) async throws {
                for _ in 0..<count {
                    let client = try RawFastCGIClient(socketPath: server.app.socket)
                    client.send(RawFastCGIClient.beginRequest)
                    client.close()
                }
                try await expectStillServing(server)
                try await Task.sleep(for: .milliseconds(300))
            }
            try await connectAndLeave(200)  // warm up: the thread pool grows to the concurrency it needs
            let socketsBefore = (server.app.openSockets ?? -1)
            try await connectAndLeave(200)
            // A leak would add one socket per connection; nginx may have opened one more kept connection.
            #expect((server.app.openSockets ?? -1) <= socketsBefore + 1)
        }
    }
}

@Suite("Out of descriptors")
struct DescriptorExhaustionTests {
    @Test(
        "more streams than the descriptor limit holds: the rest get 503 with Retry-After, pages keep working",
        arguments: WireProtocol.allCases)
    func streamLimit(wireProtocol: WireProtocol) async throws {
        try await LiveServer.withDemo(wireProtocol, descriptorLimit: 256) { server in
            // 256 descriptors, less those open at start and a reserve: about 100 streams and 50 threads.
            let maxStreams = try #require(server.appLog.firstMatch(of: #/max-streams=(\d+)\s/#).flatMap { Int($0.1) })
            let maxThreads = try #require(server.appLog.firstMatch(of: #/max-threads=(\d+)\s/#).flatMap { Int($0.1) })
            #expect((80...128).contains(maxStreams) && (40...64).contains(maxThreads), "\(maxStreams), \(maxThreads)")
            let port = server.port
            let client = try await server.signedIn()  // chat streams are for the signed-in
            // Blocking socket work, off the cooperative pool.
            let (heads, pageStatuses) = try await DedicatedThread.run {
                let streams = (0..<(maxStreams + 40)).compactMap { index in
                    try? HTTPSocket(port: port, path: "/chat/crowd\(index)/stream", headers: client.headers)
                }
                let heads = streams.map { $0.read(until: "\r\n\r\n", timeout: .seconds(10)) }
                let pageStatuses = try (0..<30).map { _ in  // while the streams are held
                    String(try HTTPSocket.get(port: port, path: "/about").prefix(12))
                }
                return (heads, pageStatuses)  // hangs up on every stream
            }
            let refused = heads.filter { $0.hasPrefix("HTTP/1.1 503") }
            #expect(heads.filter { $0.hasPrefix("HTTP/1.1 200") }.count == maxStreams)
            #expect(refused.count == 40, "\(refused.count) of \(heads.count) refused")
            #expect(refused.allSatisfy { $0.lowercased().contains("retry-after: 5\r\n") })
            #expect(server.appLog.contains("Hyper: stream refused with 503: the stream limit is reached"))
            #expect(pageStatuses.allSatisfy { $0 == "HTTP/1.1 200" }, "\(pageStatuses)")
            #expect(!server.appLog.contains("accept failed"))
            try await Task.sleep(for: .milliseconds(500))
            #expect(server.app.isRunning)
            // While held, the streams alone took maxStreams descriptors; what is left is the
            // listening socket, the threads' and the connections nginx keeps (32 at most).
            #expect((server.app.openDescriptors ?? -1) < maxStreams, "the streams' descriptors are closed")
        }
    }
}
