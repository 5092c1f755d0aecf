import Foundation
import Glibc
import Testing
import HyperTesting

/// The demo's live pages in Debian's Chromium with the real htmx 2 and its SSE extension, behind
/// the private nginx. `scripts/browser-test` drives the browser with Selenium and checks the DOM
/// (see `scripts/browser/live_pages.py`); this test gives it a server and reports what it found.
/// Screenshots and the script's output land in `.build/browser-artifacts/`.
@Suite("Live pages in a real browser")
struct BrowserTests {
    static let artifacts = ProjectPaths.root + "/.build/browser-artifacts"
    static let screenshots = [
        "live-feed", "dashboard-live", "chat", "chat-2", "chat-reconnect", "chat-reset", "status",
    ]

    @Test(
        "htmx keeps the live feed, dashboard, chat and status pages live in Chromium, a cut chat stream resumes without a gap or a duplicate or resets and re-renders, and every stream ends",
        // It waits for MachineLock while fixture packages build: the limit covers that wait too.
        .timeLimit(.minutes(15)))
    func livePagesInChromium() async throws {
        try await MachineLock.exclusively { try await runLivePages() }
    }

    private func runLivePages() async throws {
        try? FileManager.default.removeItem(atPath: Self.artifacts)
        try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
        try await LiveServer.withDemo { server in
            let run = try await Self.runBrowserTest(against: server.baseURL)
            #expect(run.status == 0, "scripts/browser-test exited with \(run.status):\n\(run.output)")
            for name in Self.screenshots {
                let png = FileManager.default.contents(atPath: "\(Self.artifacts)/\(name).png") ?? Data()
                #expect(png.starts(with: [0x89] + Array("PNG".utf8)), "\(name).png is not a PNG")
            }
            // The browser has quit: nothing but the request asking is left running on the server.
            let idle = OpenStreams(runningRouteTasks: 1, hubSubscriptions: 0)
            let deadline = ContinuousClock.now + .seconds(5)
            var streams = try await Self.openStreams(on: server)
            while streams != idle, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                streams = try await Self.openStreams(on: server)
            }
            #expect(streams == idle)
        }
    }

    @Test(
        "signing in and out in Chromium: a live notification arrives, a sign-out in another tab ends the first tab's stream and its page says so, a form on another origin is refused",
        .timeLimit(.minutes(15)))
    func signInAndOutInChromium() async throws {
        try await MachineLock.exclusively {
            try FileManager.default.createDirectory(atPath: Self.artifacts, withIntermediateDirectories: true)
            try await LiveServer.withDemo(build: .release) { server in
                let run = try await Self.runBrowserTest(against: server.baseURL, script: "sign_in.py")
                #expect(run.status == 0, "scripts/browser-test exited with \(run.status):\n\(run.output)")
                #expect(server.appLog.contains("Hyper: request refused"))
            }
        }
    }

    /// Runs `scripts/browser-test` (with `script`, or its default, the live pages) for at most 300 s (then SIGTERM to its process group, and
    /// SIGKILL ten seconds later, so that no browser outlives it), its output going to
    /// `browser-test.log` among the artifacts.
    private static func runBrowserTest(against baseURL: String, script: String? = nil) async throws -> (
        status: Int32, output: String
    ) {
        let log = artifacts + "/browser-test\(script.map { "-" + $0 } ?? "").log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? output.close() }
        let process = Process()
        // Foundation starts it as the leader of a process group, which the browser and its
        // driver join.
        process.executableURL = URL(fileURLWithPath: ProjectPaths.root + "/scripts/browser-test")
        process.arguments = [baseURL, artifacts]
        if let script { process.environment = ProcessInfo.processInfo.environment.merging(["BROWSER_SCRIPT": script]) { $1 } }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        if await !exits(process, within: .seconds(300)) {
            try? output.write(contentsOf: Data("BrowserTests: stopped scripts/browser-test after 300 s\n".utf8))
            kill(-process.processIdentifier, SIGTERM)
            if await !exits(process, within: .seconds(10)) { kill(-process.processIdentifier, SIGKILL) }
        }
        // Bounded even when cancelled.
        let status = try await DedicatedThread.run { process.waitForEnd(within: .seconds(10)) } ?? -1
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Whether `process` ends within `limit` (false at once if the test is cancelled).
    private static func exits(_ process: Process, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while process.isStillRunning, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
        }
        return !process.isStillRunning
    }

    /// The server's live streams, from `/debug/counts`.
    private struct OpenStreams: Decodable, Equatable {
        var runningRouteTasks: Int
        var hubSubscriptions: Int
    }

    private static func openStreams(on server: LiveServer) async throws -> OpenStreams {
        try JSONDecoder().decode(OpenStreams.self, from: Data(try await server.request("/debug/counts").body.utf8))
    }
}
