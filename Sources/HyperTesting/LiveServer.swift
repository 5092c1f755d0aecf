import Foundation
import Hyper

/// An app's built executable served behind a private nginx, for tests that need the real path
/// of a request: nginx on 127.0.0.1 at a free port, the app on a unix socket, both in a fresh
/// temporary folder (logs and nginx's temp paths included), stopped by their process ids.
///
/// ```swift
/// let server = try LiveServer(executable: ".build/debug/Poll", arguments: ["--question", "Tea?"])
/// defer { server.stop() }
/// let page = try await server.request("/")
/// #expect(page.status == 200 && page.header("x-content-type-options") == "nosniff")
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
    }

    /// The port nginx listens on, on 127.0.0.1.
    public let port: Int
    /// The folder holding the socket, the logs and nginx's files; removed by `stop()`.
    public let folder: String
    private let app: Process
    private let nginx: Process

    /// Starts `executable` with `--socket`, `--protocol` and `arguments`, then nginx in front of
    /// it; returns once nginx accepts. Throws, with the app's log, if either does not start
    /// within `startTimeout`.
    public init(
        executable: String, arguments: [String] = [], wireProtocol: WireProtocol = .fastCGI,
        nginx nginxPath: String = "/usr/sbin/nginx", startTimeout: Duration = .seconds(10)
    ) throws {
        var template = Array("/tmp/hyper-live.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw LiveServerError("cannot create a temporary folder") }
        folder = String(cString: made)
        chmod(folder, 0o755)  // nginx's workers run as another user and must reach the socket
        let socket = folder + "/app.sock"
        do {
            port = try Self.freePort()
            app = try Self.start(
                executable, ["--socket", socket, "--protocol", wireProtocol.rawValue] + arguments,
                output: folder + "/app.log")
            let app = app
            let listens = { FileManager.default.fileExists(atPath: socket) }
            guard Self.eventually(within: startTimeout, { listens() || !app.isRunning }), listens() else {
                Self.end(app)
                throw LiveServerError("the app did not start: \(Self.read(folder + "/app.log"))")
            }
            let configuration = folder + "/nginx.conf"
            try Self.configuration(folder: folder, port: port, socket: socket, wireProtocol: wireProtocol)
                .write(toFile: configuration, atomically: true, encoding: .utf8)
            nginx = try Self.start(
                nginxPath, ["-p", folder, "-c", configuration, "-e", folder + "/nginx-error.log"],
                output: folder + "/nginx.out")
            let port = port
            guard Self.eventually(within: startTimeout, { Self.accepts(port: port) }) else {
                Self.end(nginx)
                Self.end(app)
                throw LiveServerError("nginx did not start: \(Self.read(folder + "/nginx.out"))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    deinit {
        stop()
    }

    /// The app's process id, and nginx's master's.
    public var processIdentifiers: (app: Int32, nginx: Int32) {
        (app.processIdentifier, nginx.processIdentifier)
    }

    /// The app's log (what it wrote to standard output and standard error).
    public var appLog: String { Self.read(folder + "/app.log") }

    /// nginx's error log: upstream failures show here.
    public var nginxErrorLog: String { Self.read(folder + "/nginx-error.log") }

    /// The URL of `path` on this server.
    public func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path)"
    }

    /// Sends one request with `curl` and returns the response with its headers. For a stream,
    /// `maxTime` ends the read: what arrived until then is the body.
    public func request(
        _ path: String, method: String = "GET", headers: [String] = [], body: String? = nil,
        maxTime: Duration = .seconds(20)
    ) async throws -> Response {
        let seconds = Double(maxTime.components.seconds) + Double(maxTime.components.attoseconds) / 1e18
        var arguments = ["-s", "-i", "--max-time", String(seconds)]
        arguments += method == "HEAD" ? ["-I"] : ["-X", method]
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["--data-binary", body] }
        arguments.append(url(path))
        let finalArguments = arguments
        let raw = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            // curl blocks a thread while it runs: its own, never one of Swift's cooperative pool.
            Thread {
                continuation.resume(with: Result { try Self.curl(finalArguments) })
            }.start()
        }
        return Self.parse(raw)
    }

    /// Stops nginx, then the app (SIGTERM, SIGKILL after two seconds), and removes the folder.
    public func stop() {
        Self.end(nginx)
        Self.end(app)
        try? FileManager.default.removeItem(atPath: folder)
    }

    private static func start(_ executable: String, _ arguments: [String], output: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let log = FileHandle(forWritingAtPath: output)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    private static func end(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if !eventually(within: .seconds(2), { !process.isRunning }) {
            kill(process.processIdentifier, SIGKILL)
            _ = eventually(within: .seconds(2), { !process.isRunning })
        }
    }

    private static func curl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Splits `HTTP/1.1 200 OK\r\nName: value\r\n\r\nbody`.
    static func parse(_ raw: String) -> Response {
        guard let end = raw.range(of: "\r\n\r\n") else { return Response(status: 0, headers: [], body: raw) }
        let lines = raw[..<end.lowerBound].components(separatedBy: "\r\n")
        let status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) } ?? 0
        let headers = lines.dropFirst().compactMap { line -> LiveHeader? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return LiveHeader(
                name: line[..<colon].lowercased(),
                value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Response(status: status, headers: headers, body: String(raw[end.upperBound...]))
    }

    /// A minimal nginx whose every path is in `folder`: the app behind `location /`, streams
    /// passed on at once (the app sends `X-Accel-Buffering: no`), long reads for streams.
    private static func configuration(folder: String, port: Int, socket: String, wireProtocol: WireProtocol) -> String {
        let pass =
            switch wireProtocol {
            case .fastCGI:
                "include /etc/nginx/fastcgi_params; fastcgi_pass unix:\(socket); fastcgi_read_timeout 1h;"
            case .scgi:
                "include /etc/nginx/scgi_params; scgi_pass unix:\(socket); scgi_read_timeout 1h;"
            }
        return """
            daemon off;
            pid \(folder)/nginx.pid;
            error_log \(folder)/nginx-error.log info;
            events { worker_connections 1024; }
            http {
                access_log \(folder)/access.log;
                client_body_temp_path \(folder)/client_body;
                proxy_temp_path \(folder)/proxy;
                fastcgi_temp_path \(folder)/fastcgi;
                uwsgi_temp_path \(folder)/uwsgi;
                scgi_temp_path \(folder)/scgi;
                server {
                    listen 127.0.0.1:\(port);
                    location / { \(pass) }
                }
            }

            """
    }

    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw LiveServerError("no free port on 127.0.0.1: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func accepts(port: Int) -> Bool {
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(probe) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func eventually(within timeout: Duration, _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            if ContinuousClock.now >= deadline { return false }
            usleep(20_000)
        }
        return true
    }

    private static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}

/// One header line of a `LiveServer.Response`.
public struct LiveHeader: Sendable, Equatable {
    /// The name, lowercased.
    public let name: String
    public let value: String
}

/// The live server could not start: names what failed, with the log that tells why.
public struct LiveServerError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = "LiveServer: \(description)"
    }
}
