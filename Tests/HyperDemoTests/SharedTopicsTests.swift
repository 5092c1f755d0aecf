import Foundation
import Testing

/// Instances of hyper-demo sharing their hubs through a real PostgreSQL server started by the test
/// (`PostgresCluster`), driven through real nginx and curl.
@Suite("Instances sharing topics through PostgreSQL", .serialized)
struct SharedTopicsTests {
    @Test("a message posted on one instance reaches the streams of every instance, in order, with its id")
    func crossInstance() async throws {
        try await PostgresCluster.with(instances: 2) { cluster in
            let onFirst = try CurlStream(
                cluster.url(of: 0, "/chat/lobby/stream"), arguments: cluster.streamArguments(of: 0))
            defer { onFirst.stop() }
            let onSecond = try CurlStream(
                cluster.url(of: 1, "/chat/lobby/stream"), arguments: cluster.streamArguments(of: 1))
            defer { onSecond.stop() }
            try await onFirst.wait(for: "event: connected")
            try await onSecond.wait(for: "event: connected")
            var ids: [Int] = []
            for text in ["one", "two", "three"] {
                let posted = try await cluster.post(text, to: "lobby", via: 0)
                #expect(posted.status == 200)
                ids.append(try #require(posted.id))
            }
            for stream in [onFirst, onSecond] {
                try await stream.wait(for: "<p>three</p>")
                #expect(Self.messages(in: stream.text).map(\.id) == ids)
                #expect(Self.messages(in: stream.text).map(\.text) == ["one", "two", "three"])
            }
        }
    }

    @Test(
        "clients of an instance killed with SIGKILL resume on another with Last-Event-ID: every message once, in order")
    func resumeAfterKill() async throws {
        try await PostgresCluster.with(instances: 2) { cluster in
            let clients = try (0..<3).map { _ in
                try CurlStream(cluster.url(of: 0, "/chat/failover/stream"), arguments: cluster.streamArguments(of: 0))
            }
            defer { clients.forEach { $0.stop() } }
            for client in clients { try await client.wait(for: "event: connected") }
            var posted: [Int] = []
            for index in 0..<10 {
                posted.append(try #require(try await cluster.post("m\(index)", to: "failover", via: 1).id))
            }
            // Killed while the messages are on their way: each client has some prefix of them.
            cluster.instances[0].signal(SIGKILL)
            #expect(await cluster.instances[0].waitForExit(within: .seconds(5)) != nil)
            for index in 10..<20 {
                posted.append(try #require(try await cluster.post("m\(index)", to: "failover", via: 1).id))
            }
            // Through the shared nginx, which now leads to instance 1 only: with instance 1's
            // session (sessions are each instance's own; see `PostgresCluster`).
            let resumed = try clients.map { client in
                let lastID = Self.lastID(in: client.text) ?? 0
                return try CurlStream(
                    cluster.shared.url("/chat/failover/stream"),
                    arguments: cluster.streamArguments(of: 1) + ["-H", "Last-Event-ID: \(lastID)"])
            }
            defer { resumed.forEach { $0.stop() } }
            for index in 20..<30 {
                posted.append(try #require(try await cluster.post("m\(index)", to: "failover", via: 1).id))
            }
            for (client, again) in zip(clients, resumed) {
                try await again.wait(for: "<p>m29</p>")
                #expect(!again.text.contains("event: reset"))
                let received = Self.messages(in: client.text) + Self.messages(in: again.text)
                #expect(received.map(\.id) == posted)
                #expect(received.map(\.text) == (0..<30).map { "m\($0)" })
            }
        }
    }

    @Test("with the database restarted, open streams stay open and get later messages; posts meanwhile get 503")
    func databaseRestart() async throws {
        try await PostgresCluster.with(instances: 2) { cluster in
            let streams = try (0..<2).map { index in
                try CurlStream(
                    cluster.url(of: index, "/chat/restart/stream"), arguments: cluster.streamArguments(of: index),
                    timeout: .seconds(90))
            }
            defer { streams.forEach { $0.stop() } }
            for stream in streams { try await stream.wait(for: "event: connected") }
            let before = try await cluster.post("before", to: "restart", via: 0)
            #expect(before.status == 200)

            try await cluster.postgres.shutDown()
            let during = try await cluster.post("during", to: "restart", via: 0)
            #expect(during.status == 503)
            #expect(
                eventually(within: .seconds(5)) {
                    cluster.instances[0].log.contains("cannot publish to topic \"restart\"")
                })

            try await cluster.postgres.start()
            var after = try await cluster.post("after", to: "restart", via: 1)
            let deadline = ContinuousClock.now + .seconds(30)
            while after.status != 200, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                after = try await cluster.post("after", to: "restart", via: 1)
            }
            #expect(after.status == 200)
            for stream in streams {
                try await stream.wait(for: "<p>after</p>", timeout: .seconds(30))
                #expect(Self.messages(in: stream.text).map(\.text) == ["before", "after"])
            }
        }
    }

    @Test("the listening connection terminated by the server: the instance listens again and catches up")
    func listenerTerminated() async throws {
        try await PostgresCluster.with(instances: 2) { cluster in
            let stream = try CurlStream(
                cluster.url(of: 1, "/chat/terminated/stream"), arguments: cluster.streamArguments(of: 1))
            defer { stream.stop() }
            try await stream.wait(for: "event: connected")
            let listeners = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hyper-listener'"
            #expect(try await cluster.postgres.psql(listeners) == "2")

            try await cluster.postgres.psql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hyper-listener'")
            var posted: [Int] = []
            for index in 0..<8 {
                posted.append(try #require(try await cluster.post("t\(index)", to: "terminated", via: 0).id))
            }
            try await stream.wait(for: "<p>t7</p>")
            #expect(Self.messages(in: stream.text).map(\.id) == posted)
            #expect(cluster.instances[1].log.contains("HyperPostgres: the listening connection failed; reconnecting"))
            #expect(
                eventually(within: .seconds(5)) {
                    cluster.instances[1].log.contains("HyperPostgres: listening again; catching up")
                })
            #expect(try await cluster.postgres.psql(listeners) == "2")
        }
    }

    @Test(
        "SIGTERM drains the server and then the PostgreSQL client, services of one ServiceGroup: the stream gets its farewell, the connections close, exit status 0"
    )
    func gracefulStop() async throws {
        try await PostgresCluster.with(instances: 1) { cluster in
            let stream = try CurlStream(
                cluster.url(of: 0, "/chat/stop/stream"), arguments: cluster.streamArguments(of: 0))
            defer { stream.stop() }
            try await stream.wait(for: "event: connected")
            let posted = try await cluster.post("last words", to: "stop", via: 0)
            #expect(posted.status == 200)
            try await stream.wait(for: "<p>last words</p>")
            let connections = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'hyper%'"
            #expect(try await cluster.postgres.psql(connections) != "0")
            let instance = cluster.instances[0]
            instance.signal(SIGTERM)
            let status = await instance.waitForExit(within: .seconds(20))
            #expect(status == 0)
            try await stream.wait(for: ": server shutting down\n\n")
            let log = instance.log
            let serverStopped = try #require(log.range(of: "Hyper: stopped\n"), "\(log)")
            let postgresStopped = try #require(
                log.range(of: "HyperPostgres: stopped listening; connections closed"), "\(log)")
            #expect(serverStopped.upperBound <= postgresStopped.lowerBound, "the server stops first, then the store")
            var remaining = try await cluster.postgres.psql(connections)
            for _ in 0..<50 where remaining != "0" {
                try await Task.sleep(for: .milliseconds(100))
                remaining = try await cluster.postgres.psql(connections)
            }
            #expect(remaining == "0")
        }
    }

    @Test(
        "a bad URL or an unreachable database stops hyper-demo at start with one error line",
        arguments: [
            ("mysql://hyper@localhost/hyper", "HyperPostgres: bad PostgreSQL URL mysql://hyper@localhost/hyper"),
            (
                "postgres://hyper:secret@/hyper?host=/nonexistent",
                "HyperPostgres: cannot use PostgreSQL at postgres://hyper@/nonexistent/.s.PGSQL.5432/hyper"
            ),
        ])
    func startupFailure(url: String, message: String) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let demo = try ChildProcess(
            try ProjectPaths.demoBinary(), ["--socket", scratch.file("hyper.sock"), "--postgres", url],
            outputPath: scratch.file("demo.out"), errorPath: scratch.file("demo.log"))
        defer { demo.stop() }
        let status = demo.waitForExit(within: .seconds(15))
        #expect(status != nil && status != 0)
        let lines = demo.errors.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains(message) == true)
        #expect(!demo.errors.contains("secret"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("hyper.sock")))
    }

    /// The `message` events of an SSE text: their ids and the text of their `<p>`.
    static func messages(in text: String) -> [(id: Int, text: String)] {
        text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard lines.contains("event: message"),
                let id = lines.first(where: { $0.hasPrefix("id: ") }).flatMap({ Int($0.dropFirst(4)) }),
                let paragraph = lines.first(where: { $0.hasPrefix("data: <p>") })
            else { return nil }
            return (id, String(paragraph.dropFirst("data: <p>".count).dropLast("</p>".count)))
        }
    }

    /// The last `id:` a stream sent, as an EventSource would remember it.
    static func lastID(in text: String) -> Int? {
        text.split(separator: "\n").last(where: { $0.hasPrefix("id: ") }).flatMap { Int($0.dropFirst(4)) }
    }
}
