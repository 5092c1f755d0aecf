import Foundation
import HyperTransport

/// A private nginx on 127.0.0.1:`port` that passes every request to the unix socket `socket`,
/// rendered by `scripts/private-nginx` into a scratch directory.
final class PrivateNginx {
    let port: Int
    let process: ChildProcess
    let prefix: String

    /// nginx with the test config of `nginx/private.conf.template`, or of
    /// `nginx/private-scgi.conf.template` for SCGI, in the folder `name` of the scratch directory;
    /// `socket` may list several, comma-separated (one upstream server each).
    convenience init(
        scratch: ScratchDirectory, name: String = "nginx", port: Int, socket: String, keepalive: Int = 32,
        wireProtocol: WireProtocol = .fastCGI
    ) throws {
        let prefix = scratch.file(name)
        let render = Process()
        render.executableURL = URL(fileURLWithPath: ProjectPaths.root + "/scripts/private-nginx")
        render.arguments = [prefix, String(port), socket, String(keepalive), wireProtocol.rawValue]
        let output = Pipe()
        render.standardOutput = output
        try render.run()
        render.waitUntilExit()
        let config = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard render.terminationStatus == 0 else { throw TestSupportError("scripts/private-nginx failed") }
        try self.init(prefix: prefix, config: config, port: port)
    }

    /// nginx serving the production site `nginx/hyper.conf` (`nginx/hyper-scgi.conf` for SCGI),
    /// moved to 127.0.0.1:`port` and to `socket`, inside a minimal main configuration whose every
    /// path is in the scratch directory.
    convenience init(
        scratch: ScratchDirectory, port: Int, productionSiteFor socket: String, wireProtocol: WireProtocol = .fastCGI
    ) throws {
        let prefix = scratch.file("nginx")
        try FileManager.default.createDirectory(atPath: prefix, withIntermediateDirectories: true)
        let siteFile = wireProtocol == .scgi ? "hyper-scgi.conf" : "hyper.conf"
        let site = try String(contentsOfFile: ProjectPaths.root + "/nginx/" + siteFile, encoding: .utf8)
            .replacingOccurrences(of: "unix:/run/hyper-demo/hyper-demo.sock", with: "unix:" + socket)
            .replacingOccurrences(of: "listen 80;", with: "listen 127.0.0.1:\(port);")
            .replacingOccurrences(of: "listen [::]:80;", with: "")
            .replacingOccurrences(of: "include fastcgi_params;", with: "include /etc/nginx/fastcgi_params;")
            .replacingOccurrences(of: "include scgi_params;", with: "include /etc/nginx/scgi_params;")
        try site.write(toFile: prefix + "/site.conf", atomically: true, encoding: .utf8)
        let main = """
            daemon off;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log info;
            events { worker_connections 1024; }
            http {
                access_log \(prefix)/access.log;
                client_body_temp_path \(prefix)/client_body;
                proxy_temp_path \(prefix)/proxy;
                fastcgi_temp_path \(prefix)/fastcgi;
                uwsgi_temp_path \(prefix)/uwsgi;
                scgi_temp_path \(prefix)/scgi;
                include \(prefix)/site.conf;
            }

            """
        try main.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
        try self.init(prefix: prefix, config: prefix + "/nginx.conf", port: port)
    }

    private init(prefix: String, config: String, port: Int) throws {
        self.port = port
        self.prefix = prefix
        process = try ChildProcess(
            "/usr/sbin/nginx", ["-p", prefix, "-c", config, "-e", prefix + "/error.log"],
            outputPath: prefix + "/stdout.log", errorPath: prefix + "/stderr.log")
        guard eventually(within: .seconds(5), { Self.accepts(port: port) }) else {
            process.stop()
            throw TestSupportError("nginx did not start on port \(port): \(process.errors)")
        }
    }

    /// nginx's error log: upstream failures show here.
    var errorLog: String {
        (try? String(contentsOfFile: prefix + "/error.log", encoding: .utf8)) ?? ""
    }

    /// The error log's `[error]` lines, less one that no client sees: nginx sent a request on a
    /// kept connection at the moment the stopping app closed it, and retried it on a new
    /// connection (nginx does so for a connection it took from its keepalive cache).
    var clientVisibleErrors: [Substring] {
        // nginx retries a request on a new connection when a kept one turns out closed, whether it
        // notices while sending the request or while waiting for the response header: neither
        // reaches the client.
        errorLog.split(separator: "\n").filter {
            $0.contains("[error]")
                && !$0.contains("upstream prematurely closed connection while reading response header")
                && !$0.contains("(32: Broken pipe) while sending request to upstream")
                && !$0.contains("(104: Connection reset by peer) while sending request to upstream")
                && !$0.contains("(104: Connection reset by peer) while reading response header from upstream")
        }
    }

    /// The URL of `path` on this nginx.
    func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path)"
    }

    func stop() {
        process.stop()
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
}
