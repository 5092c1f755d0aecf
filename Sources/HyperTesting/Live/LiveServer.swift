import Foundation
import Hyper

/// An app's built executable served behind a private nginx, for tests that need the real path
/// of a request: nginx on 127.0.0.1 at a free port (`LiveNginx`), the app on a unix socket
/// (`LiveApp`), both in a fresh temporary folder (logs and nginx's temp paths included), stopped
/// by their process ids.
///
/// ```swift
/// let server = try await LiveServer.start(executable: ".build/debug/Poll", arguments: ["--question", "Tea?"])
/// defer { server.stop() }
/// let page = try await server.request("/")
/// #expect(page.status == 200 && page.header("x-content-type-options") == "nosniff")
/// server.app.signal(SIGTERM)                                 // the app's process, its log, its exit
/// #expect(await server.app.waitForExit(within: .seconds(10)) == 0)
/// ```
///
/// The app must take `ServerOptions`' flags: it is started with `--socket` and `--protocol`.
/// nginx comes from Debian's package (`/usr/sbin/nginx`), requests are made by `curl`.
public final class LiveServer: Sendable {
    /// A response as `curl -i` received it through nginx.
    public struct Response: Sendable {
        public let status: Int
        /// Header lines in order, names lowercased.
        public let headers: [LiveHeader]
        public let body: String

        /// The first value of the header `name` (any case).
        public func header(_ name: String) -> String? {
            headers.first { $0.name == name.lowercased() }?.value
        }

        /// Parses what `curl -i` printed: `HTTP/1.1 200 OK\r\nName: value\r\n\r\nbody`. Text
        /// without a header block is a body with status 0.
        public init(parsing raw: String) {
            guard let end = raw.range(of: "\r\n\r\n") else {
                (status, headers, body) = (0, [], raw)
                return
            }
            let lines = raw[..<end.lowerBound].components(separatedBy: "\r\n")
            status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
            headers = lines.dropFirst().compactMap { line -> LiveHeader? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return LiveHeader(
                    name: line[..<colon].lowercased(),
                    value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            body = String(raw[end.upperBound...])
        }
    }

    /// The app, behind nginx.
    public let app: LiveApp
    /// nginx, in front of the app.
    public let nginx: LiveNginx
    /// The folder holding the app's socket and logs, and nginx's folder (`nginx/`); removed by `stop()`.
    public let folder: String

    /// Starts `executable` with `--socket`, `--protocol` and `arguments` (see `LiveApp`), then
    /// nginx in front of it with `site`; returns once nginx accepts, and with `readyPath` once a
    /// `GET` of it through nginx answers 200 (the first request, which warms both up, is then not
    /// the test's). Throws, with the app's log, if either does not start within `startTimeout`.
    /// It blocks meanwhile: from a test, use `start(...)`.
    public init(
        executable: String, arguments: [String] = [], wireProtocol: WireProtocol = .fastCGI,
        environment: [String: String] = [:], launcher: [String] = [], site: LiveNginx.Site = .standard(),
        readyPath: String? = nil, nginx nginxPath: String = "/usr/sbin/nginx", startTimeout: Duration = .seconds(10)
    ) throws {
        folder = try LiveProcess.makeFolder()
        do {
            app = try LiveApp(
                executable: executable, arguments: arguments, wireProtocol: wireProtocol, folder: folder,
                environment: environment, launcher: launcher, startTimeout: startTimeout)
            do {
                nginx = try LiveNginx(
                    sockets: [app.socket], wireProtocol: wireProtocol, site: site, folder: folder + "/nginx",
                    nginx: nginxPath, startTimeout: startTimeout)
            } catch {
                app.stop()
                throw error
            }
            if let readyPath {
                let (app, url) = (app, nginx.url(readyPath))
                let answers = {
                    (try? Self.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", url])) == "200"
                }
                guard LiveProcess.eventually(within: startTimeout, { !app.isRunning || answers() }), app.isRunning
                else {
                    let log = app.log
                    nginx.stop()
                    app.stop()
                    throw LiveServerError("the app did not answer \(readyPath) with 200: \(log)")
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    /// `init(...)`, waiting off Swift's cooperative pool.
    public static func start(
        executable: String, arguments: [String] = [], wireProtocol: WireProtocol = .fastCGI,
        environment: [String: String] = [:], launcher: [String] = [], site: LiveNginx.Site = .standard(),
        readyPath: String? = nil, nginx nginxPath: String = "/usr/sbin/nginx", startTimeout: Duration = .seconds(10)
    ) async throws -> LiveServer {
        try await LiveProcess.offThePool {
            try LiveServer(
                executable: executable, arguments: arguments, wireProtocol: wireProtocol, environment: environment,
                launcher: launcher, site: site, readyPath: readyPath, nginx: nginxPath, startTimeout: startTimeout)
        }
    }

    deinit {
        stop()
    }

    /// The port nginx listens on, on 127.0.0.1.
    public var port: Int { nginx.port }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The app's process id, and nginx's master's.
    public var processIdentifiers: (app: Int32, nginx: Int32) {
        (app.processIdentifier, nginx.processIdentifier)
    }

    /// The app's log (what it wrote to standard error).
    public var appLog: String { app.log }

    /// nginx's error log: upstream failures show here.
    public var nginxErrorLog: String { nginx.errorLog }

    /// The URL of `path` on this server.
    public func url(_ path: String) -> String {
        nginx.url(path)
    }

    /// Sends one request with `curl` and returns the response with its headers. For a stream,
    /// `maxTime` ends the read: what arrived until then is the body.
    public func request(
        _ path: String, method: String = "GET", headers: [String] = [], body: String? = nil,
        maxTime: Duration = .seconds(20)
    ) async throws -> Response {
        try await Self.request(url: url(path), method: method, headers: headers, body: body, maxTime: maxTime)
    }

    /// `request(_:...)` for any URL, such as another nginx's.
    public static func request(
        url: String, method: String = "GET", headers: [String] = [], body: String? = nil,
        maxTime: Duration = .seconds(20)
    ) async throws -> Response {
        let seconds = Double(maxTime.components.seconds) + Double(maxTime.components.attoseconds) / 1e18
        var arguments = ["-s", "-i", "--max-time", String(seconds)]
        arguments += method == "HEAD" ? ["-I"] : ["-X", method]
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["--data-binary", body] }
        arguments.append(url)
        let finalArguments = arguments
        // curl blocks a thread while it runs: its own, never one of Swift's cooperative pool.
        let raw = try await LiveProcess.offThePool { try curl(finalArguments) }
        return Response(parsing: raw)
    }

    /// Stops nginx, then the app (SIGTERM, SIGKILL after two seconds), and removes the folder. Blocks.
    public func stop() {
        nginx.stop()
        app.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static func curl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        return String(decoding: output.output(of: process, within: .seconds(60)), as: UTF8.self)
    }
}

/// One header line of a `LiveServer.Response`.
public struct LiveHeader: Sendable, Equatable {
    /// The name, lowercased.
    public let name: String
    public let value: String
}

/// The live harness could not start: names what failed, with the log that tells why.
public struct LiveServerError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = "LiveServer: \(description)"
    }
}
