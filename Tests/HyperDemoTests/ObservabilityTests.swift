import Foundation
import HyperTransport
import Testing
import HyperTesting

/// What an operator sees: the access log, the slow-request log and the status page.
///
/// Each test starts its own nginx and app and loads the machine in bursts: it holds MachineLock,
/// so it never runs beside the latency tests.
@Suite("Observability", .serialized)
struct ObservabilityTests {
    /// The status page's JSON, decoded for the assertions.
    private struct Status: Decodable {
        struct Stream: Decodable {
            var route: String
            var path: String
            var ageSeconds: Double
            var events: Int
            var bytesSent: Int
        }
        struct Threads: Decodable {
            var total: Int
            var busy: Int
            var idle: Int
            var max: Int
        }
        var startTime: Int
        var uptimeSeconds: Double
        var acceptedRequests: Int
        var activeRequests: Int
        var slowRequests: Int
        var threads: Threads
        var openStreams: [Stream]
    }

    @Test("the status page lists open streams, counts slow requests and speaks JSON and Prometheus")
    func statusPage() async throws {
        try await MachineLock.exclusively { try await statusPageExclusively() }
    }

    private func statusPageExclusively() async throws {
        try await LiveServer.withDemo(arguments: ["--slow-request", "0.2", "--max-threads", "64"]) {
            scratch, demo, nginx async throws in
            #expect(try await Curl.run(["--silent", nginx.url("/slow?ms=300")]).body == "slept 300 ms\n")
            #expect(try await Curl.run(["--silent", nginx.url("/slow?ms=1")]).body == "slept 1 ms\n")
            let stream = try Curl.start(
                ["--no-buffer", nginx.url("/sse?every_ms=50")], outputPath: scratch.file("sse.out"),
                errorPath: scratch.file("sse.err"))
            defer { stream.stop() }
            #expect(eventually(within: .seconds(5)) { scratch.read("sse.out").contains("data: tick 3\n\n") })

            let json = try await Curl.run(["--silent", "--include", nginx.url("/_hyper/status")]).body
            #expect(json.contains("Content-Type: application/json"))
            #expect(json.contains("Cache-Control: no-store"))
            let body = try #require(json.range(of: "\r\n\r\n").map { json[$0.upperBound...] })
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let status = try decoder.decode(Status.self, from: Data(body.utf8))
            #expect(status.acceptedRequests == 4, "two slow, the stream, this one")
            #expect(status.activeRequests == 2, "the stream and this request")
            #expect(status.slowRequests == 1)
            #expect(status.threads.busy == 1, "this request; the stream has handed its connection off")
            #expect(status.threads.total == status.threads.busy + status.threads.idle)
            #expect(status.threads.max == 64)
            #expect(status.uptimeSeconds > 0 && status.uptimeSeconds < 60)
            #expect(abs(Double(status.startTime) + status.uptimeSeconds - Date().timeIntervalSince1970) < 5)
            let open = try #require(status.openStreams.first)
            #expect(status.openStreams.count == 1)
            #expect(open.route == "/sse" && open.path == "/sse")
            #expect(open.events >= 3 && open.bytesSent >= open.events * "data: tick 1\n\n".utf8.count)
            #expect(open.ageSeconds > 0.1 && open.ageSeconds < 10)

            let prometheus = try await Curl.run(["--silent", nginx.url("/_hyper/status?prometheus")]).body
            #expect(
                prometheus.contains("# TYPE hyper_requests_accepted_total counter\nhyper_requests_accepted_total 5\n"))
            #expect(prometheus.contains("\nhyper_requests_slow_total 1\n"))
            #expect(prometheus.contains("\nhyper_streams_open{route=\"/sse\"} 1\n"))
            #expect(prometheus.contains("\nhyper_threads_max 64\n"))
            let scraped = try await Curl.run([
                "--silent",
                "--header", "Accept: application/openmetrics-text; version=1.0.0", nginx.url("/_hyper/status"),
            ])
            #expect(scraped.body.hasPrefix("# HELP hyper_start_time_seconds"))
            #expect(
                try await Curl.run([
                    "--silent",
                    "--request", "POST", "--write-out", "%{http_code}", "--output", "/dev/null",
                    nginx.url("/_hyper/status"),
                ]).body == "405")

            stream.stop()
            #expect(eventually(within: .seconds(5)) { demo.log.contains("route=/sse") })
            let streamLine = try #require(demo.log.split(separator: "\n").first { $0.contains("route=/sse") })
            #expect(
                streamLine.contains("client=gone") && streamLine.contains("stream_s=") && streamLine.contains("writes=")
            )
            let slowLine = try #require(demo.log.split(separator: "\n").first { $0.contains("Hyper: slow request") })
            #expect(slowLine.contains("warning") && slowLine.contains("path=/slow") && slowLine.contains("route=/slow"))
            #expect(demo.log.components(separatedBy: "Hyper: slow request").count == 2, "the 1 ms request is not slow")
        }
    }

    @Test("--log-level warning keeps access lines out of the log but not slow requests")
    func logLevel() async throws {
        try await MachineLock.exclusively { try await logLevelExclusively() }
    }

    private func logLevelExclusively() async throws {
        try await LiveServer.withDemo(arguments: ["--log-level", "warning", "--slow-request", "0.1"]) {
            scratch, demo, nginx async throws in
            #expect(try await Curl.run(["--silent", nginx.url("/hello")]).body == "Hello, world!")
            #expect(try await Curl.run(["--silent", nginx.url("/slow?ms=200")]).body == "slept 200 ms\n")
            #expect(eventually(within: .seconds(5)) { demo.log.contains("Hyper: slow request") })
            #expect(!demo.log.contains("GET /hello"))
        }
    }

    @Test(
        "the production site passes requests and streams, and shows the status page to 127.0.0.1 only",
        arguments: WireProtocol.allCases)
    func productionSite(wireProtocol: WireProtocol) async throws {
        try await MachineLock.exclusively { try await productionSiteExclusively(wireProtocol) }
    }

    private func productionSiteExclusively(_ wireProtocol: WireProtocol) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let demo = try await LiveApp.demo(in: scratch, wireProtocol: wireProtocol)
        defer { demo.stop() }
        let nginx = try await LiveNginx.start(
            sockets: [demo.socket], wireProtocol: wireProtocol, site: .production(wireProtocol: wireProtocol),
            folder: scratch.file("nginx"), nginx: try ProjectPaths.nginxBinary())
        defer { nginx.stop() }
        #expect(try await Curl.run(["--silent", nginx.url("/hello")]).body == "Hello, world!")
        #expect(
            try await Curl.run(["--silent", "--no-buffer", nginx.url("/sse?every_ms=10")], timeout: .seconds(1)).body
                .hasPrefix("data: tick 0\n\ndata: tick 1\n\ndata: tick 2\n\n"))
        try await expectOperatorPagesLocalOnly(nginx)
    }

    @Test(
        "the private nginx of the demo and the tests shows the operators' pages to 127.0.0.1 only",
        arguments: WireProtocol.allCases)
    func privateNginxOperatorPages(wireProtocol: WireProtocol) async throws {
        try await MachineLock.exclusively {
            try await LiveServer.withDemo(wireProtocol) { _, _, nginx in
                try await expectOperatorPagesLocalOnly(nginx)
            }
        }
    }

    /// The status page and /debug/counts answer 200 to 127.0.0.1 and 403 to 127.0.0.2, where
    /// ordinary pages answer both.
    private func expectOperatorPagesLocalOnly(_ nginx: LiveNginx) async throws {
        for path in ["/_hyper/status", "/debug/counts"] {
            let local = try await Curl.run([
                "--silent", "--write-out", "%{http_code}", "--output", "/dev/null", nginx.url(path),
            ])
            #expect(local.body == "200", "\(path)")
            let remote = try await Curl.run([
                "--silent",
                "--interface", "127.0.0.2", "--write-out", "%{http_code}", "--output", "/dev/null",
                nginx.url(path),
            ])
            #expect(remote.body == "403", "\(path)")
        }
        let page = try await Curl.run(["--silent", "--interface", "127.0.0.2", nginx.url("/hello")])
        #expect(page.body == "Hello, world!")
    }
}
