import Foundation
import Hyper

/// A private nginx on 127.0.0.1 at a free port, passing requests to one or several apps' unix
/// sockets (one upstream server each, round robin), every path of it (configuration, logs, temp
/// folders, pid file) in a folder of its own; stopped by process id. `LiveServer` pairs one with
/// a `LiveApp`.
///
/// ```swift
/// let nginx = try await LiveNginx.start(sockets: [first.socket, second.socket])
/// let page = try await LiveServer.request(nginx.url("/"))
/// ```
public final class LiveNginx: Sendable {
    /// Where nginx's configuration comes from.
    public struct Site: Sendable {
        /// Where one nginx runs: what a site's configuration is made from.
        public struct Placement: Sendable {
            /// nginx's folder: its `-p` prefix, for the pid file, logs and temp folders.
            public let folder: String
            /// The port to listen on, on 127.0.0.1.
            public let port: Int
            /// The apps' unix sockets.
            public let sockets: [String]
            /// What the apps speak.
            public let wireProtocol: WireProtocol
        }

        let render: @Sendable (Placement) throws -> String

        /// A whole `nginx.conf` made by `render`: it must keep every path in the placement's
        /// folder and write its error log to `<folder>/error.log`.
        public static func custom(_ render: @escaping @Sendable (Placement) throws -> String) -> Site {
            Site(render: render)
        }

        /// The harness's own site: `location /` passed to the apps, streams with a one-hour read
        /// timeout (the app's `X-Accel-Buffering: no` passes them on at once), over FastCGI up to
        /// `keepalive` kept connections per worker (`fastcgi_keep_conn on`).
        public static func standard(keepalive: Int = 32) -> Site {
            Site { placement in
                let pass =
                    switch placement.wireProtocol {
                    case .fastCGI:
                        "include /etc/nginx/fastcgi_params; fastcgi_pass app; fastcgi_keep_conn on; fastcgi_read_timeout 1h;"
                    case .scgi:
                        "include /etc/nginx/scgi_params; scgi_pass app; scgi_read_timeout 1h;"
                    }
                let servers = placement.sockets.map { "server unix:\($0);" }.joined(separator: " ")
                return mainConfiguration(
                    folder: placement.folder,
                    http: """
                        upstream app { \(servers) keepalive \(keepalive); }
                        server {
                            listen 127.0.0.1:\(placement.port);
                            location / { \(pass) }
                        }
                        """)
            }
        }

        /// An `nginx.conf` whose every path (pid file, error log `<folder>/error.log`, access log,
        /// temp folders) is in `folder`, with `http` inside its `http` block: for a `custom` site.
        public static func mainConfiguration(folder: String, http: String) -> String {
            """
            daemon off;
            pid \(folder)/nginx.pid;
            error_log \(folder)/error.log info;
            events { worker_connections 1024; }
            http {
                access_log \(folder)/access.log;
                client_body_temp_path \(folder)/client_body;
                proxy_temp_path \(folder)/proxy;
                fastcgi_temp_path \(folder)/fastcgi;
                uwsgi_temp_path \(folder)/uwsgi;
                scgi_temp_path \(folder)/scgi;
            \(http)
            }

            """
        }

        /// A configuration file with placeholders, filled in: `@PREFIX@` (nginx's folder),
        /// `@PORT@`, `@SOCKET@` (the first socket; with several, `a; server unix:b`, for a template
        /// line `server unix:@SOCKET@;`), `@KEEPALIVE@`, `@FASTCGI_PARAMS@` and `@SCGI_PARAMS@`
        /// (Debian's files), then `replacements`. Its error log must be `@PREFIX@/error.log`.
        public static func template(
            _ path: String, keepalive: Int = 32, replacements: [String: String] = [:]
        ) -> Site {
            Site { placement in
                var text = try String(contentsOfFile: path, encoding: .utf8)
                let fixed = [
                    "@PREFIX@": placement.folder, "@PORT@": String(placement.port),
                    "@SOCKET@": placement.sockets.joined(separator: "; server unix:"),
                    "@KEEPALIVE@": String(keepalive), "@FASTCGI_PARAMS@": "/etc/nginx/fastcgi_params",
                    "@SCGI_PARAMS@": "/etc/nginx/scgi_params",
                ]
                for (placeholder, value) in fixed.merging(replacements, uniquingKeysWith: { $1 }) {
                    text = text.replacingOccurrences(of: placeholder, with: value)
                }
                return text
            }
        }
    }

    /// The port nginx listens on, on 127.0.0.1.
    public let port: Int
    /// nginx's folder: its configuration (`nginx.conf`), logs and temp folders.
    public let folder: String
    private let ownsFolder: Bool
    private let process: Process

    /// Starts nginx in front of `sockets` and returns once it accepts connections. It blocks
    /// meanwhile: from a test, use `start(...)`.
    ///
    /// - Parameters:
    ///   - folder: nginx's folder; nil makes a fresh one, which `stop()` removes.
    ///   - nginx: the nginx binary, Debian's by default.
    /// - Throws: `LiveServerError` with nginx's output when it does not accept within `startTimeout`.
    public init(
        sockets: [String], wireProtocol: WireProtocol = .fastCGI, site: Site = .standard(), folder: String? = nil,
        nginx: String = "/usr/sbin/nginx", startTimeout: Duration = .seconds(10)
    ) throws {
        self.folder = try folder ?? LiveProcess.makeFolder()
        ownsFolder = folder == nil
        do {
            try FileManager.default.createDirectory(atPath: self.folder, withIntermediateDirectories: true)
            chmod(self.folder, 0o755)
            port = try LiveProcess.freePort()
            let configuration = self.folder + "/nginx.conf"
            try site.render(.init(folder: self.folder, port: port, sockets: sockets, wireProtocol: wireProtocol))
                .write(toFile: configuration, atomically: true, encoding: .utf8)
            process = try LiveProcess.start(
                nginx, ["-p", self.folder, "-c", configuration, "-e", self.folder + "/error.log"],
                output: self.folder + "/nginx.out")
        } catch {
            if ownsFolder { try? FileManager.default.removeItem(atPath: self.folder) }
            throw error
        }
        let (port, process) = (port, process)
        let accepts = { LiveProcess.accepts(port: port) }
        guard LiveProcess.eventually(within: startTimeout, { accepts() || !process.isStillRunning }), accepts() else {
            let output = LiveProcess.read(self.folder + "/nginx.out") + errorLog
            stop()
            throw LiveServerError("nginx did not start on port \(port): \(output)")
        }
    }

    /// `init(...)`, waiting off Swift's cooperative pool.
    public static func start(
        sockets: [String], wireProtocol: WireProtocol = .fastCGI, site: Site = .standard(), folder: String? = nil,
        nginx: String = "/usr/sbin/nginx", startTimeout: Duration = .seconds(10)
    ) async throws -> LiveNginx {
        try await LiveProcess.offThePool {
            try LiveNginx(
                sockets: sockets, wireProtocol: wireProtocol, site: site, folder: folder, nginx: nginx,
                startTimeout: startTimeout)
        }
    }

    deinit {
        stop()
    }

    /// nginx's master's process id.
    public var processIdentifier: Int32 { process.processIdentifier }

    /// The URL of `path` on this nginx.
    public func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path)"
    }

    /// nginx's error log: upstream failures show here.
    public var errorLog: String { LiveProcess.read(folder + "/error.log") }

    /// The error log's `[error]` lines that a client saw. nginx retries a request on a new
    /// connection when a kept one turns out closed (the app closed it while stopping), whether it
    /// notices while sending the request or while waiting for the response header: those lines
    /// are left out, since no client sees them.
    public var clientVisibleErrors: [Substring] {
        errorLog.split(separator: "\n").filter {
            $0.contains("[error]")
                && !$0.contains("upstream prematurely closed connection while reading response header")
                && !$0.contains("(32: Broken pipe) while sending request to upstream")
                && !$0.contains("(104: Connection reset by peer) while sending request to upstream")
                && !$0.contains("(104: Connection reset by peer) while reading response header from upstream")
        }
    }

    /// Ends nginx (SIGTERM, SIGKILL after two seconds) and removes the folder it made. Blocks.
    public func stop() {
        process.stop()
        if ownsFolder { try? FileManager.default.removeItem(atPath: folder) }
    }
}
