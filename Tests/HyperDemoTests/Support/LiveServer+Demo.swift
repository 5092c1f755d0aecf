import Foundation
import Hyper
import HyperTesting

/// The project's demo on HyperTesting's live harness: `hyper-demo` as a `LiveApp`, behind a
/// `LiveNginx` with the project's own sites (`nginx/private.conf.template`, or the production
/// `nginx/hyper.conf`), started off Swift's cooperative pool and stopped by process id.
///
/// ```swift
/// try await LiveServer.withDemo { server in
///     #expect(try await server.request("/about").status == 200)
/// }
/// ```
extension LiveServer {
    /// Starts `hyper-demo` of `build` (with `--log-level debug` and `arguments`; `environment`
    /// added to its own; at most `descriptorLimit` descriptors) behind nginx with the private
    /// site (`keepalive` kept connections), runs `body` and stops both whatever happens.
    static func withDemo<T>(
        _ wireProtocol: WireProtocol = .fastCGI, arguments: [String] = [], environment: [String: String] = [:],
        keepalive: Int = 32, descriptorLimit: Int? = nil, build: DemoBuild = .debug,
        _ body: (LiveServer) async throws -> T
    ) async throws -> T {
        let server = try await LiveServer.start(
            executable: try ProjectPaths.demoBinary(build), arguments: ["--log-level", "debug"] + arguments,
            wireProtocol: wireProtocol, environment: environment,
            launcher: descriptorLimit.map { ["/usr/bin/prlimit", "--nofile=\($0):\($0)", "--"] } ?? [],
            site: .project(keepalive: keepalive, wireProtocol: wireProtocol), readyPath: "/hello",
            nginx: try ProjectPaths.nginxBinary(), startTimeout: .seconds(15))
        let result: Result<T, any Error>
        do {
            result = .success(try await body(server))
        } catch {
            result = .failure(error)
        }
        try await DedicatedThread.run { server.stop() }  // waits for two processes: off the pool
        return try result.get()
    }

    /// Runs `body` with the demo of `build` (started with `arguments`) and a private nginx in
    /// front of it (`keepalive` kept connections), in a fresh scratch directory that the test
    /// also uses for its own files; stops both and removes the directory afterwards.
    static func withDemo<T>(
        _ wireProtocol: WireProtocol = .fastCGI, arguments: [String] = [], keepalive: Int = 32,
        build: DemoBuild = .debug, _ body: (ScratchDirectory, LiveApp, LiveNginx) async throws -> T
    ) async throws -> T {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let demo = try await LiveApp.demo(in: scratch, arguments: arguments, wireProtocol: wireProtocol, build: build)
        let nginx: LiveNginx
        do {
            nginx = try await LiveNginx.demoSite(
                in: scratch, for: demo.socket, keepalive: keepalive, wireProtocol: wireProtocol)
        } catch {
            try await DedicatedThread.run { demo.stop() }
            throw error
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(scratch, demo, nginx))
        } catch {
            result = .failure(error)
        }
        try await DedicatedThread.run {  // waits for two processes: off the pool
            nginx.stop()
            demo.stop()
        }
        return try result.get()
    }
}

extension LiveApp {
    /// `hyper-demo` of `build` alone on `<name>.sock` in `scratch` (its log `<name>.log`), for a
    /// test that pairs it with its own nginx or clients, or signals it. Several instances share a
    /// scratch directory under different names.
    static func demo(
        in scratch: ScratchDirectory, name: String = "demo", arguments: [String] = [],
        wireProtocol: WireProtocol = .fastCGI, build: DemoBuild = .debug
    ) async throws -> LiveApp {
        try await LiveApp.start(
            executable: try ProjectPaths.demoBinary(build), arguments: arguments, wireProtocol: wireProtocol,
            folder: scratch.path, name: name)
    }
}

extension LiveNginx {
    /// nginx with the project's private site (`Site.project`) in front of `sockets` (one
    /// upstream server each), in the folder `name` of `scratch`.
    static func demoSite(
        in scratch: ScratchDirectory, name: String = "nginx", for sockets: String..., keepalive: Int = 32,
        wireProtocol: WireProtocol = .fastCGI
    ) async throws -> LiveNginx {
        try await LiveNginx.start(
            sockets: sockets, wireProtocol: wireProtocol,
            site: .project(keepalive: keepalive, wireProtocol: wireProtocol), folder: scratch.file(name),
            nginx: try ProjectPaths.nginxBinary())
    }
}

extension LiveNginx.Site {
    /// The private site the demo and the tests use (`nginx/private.conf.template`, or
    /// `nginx/private-scgi.conf.template` for SCGI): kept connections, the static files, the
    /// operators' pages for this machine only, the app mounted under `/app/` too.
    static func project(keepalive: Int = 32, wireProtocol: WireProtocol = .fastCGI) -> Self {
        let template = wireProtocol == .scgi ? "private-scgi.conf.template" : "private.conf.template"
        return .template(
            ProjectPaths.root + "/nginx/" + template, keepalive: keepalive,
            replacements: ["@STATIC_ROOT@": ProjectPaths.root])
    }

    /// The production site `nginx/hyper.conf` (`nginx/hyper-scgi.conf` for SCGI), moved to
    /// 127.0.0.1 at the harness's port and to the app's socket, inside a minimal main
    /// configuration whose every path is in nginx's folder.
    static func production(wireProtocol: WireProtocol = .fastCGI) -> Self {
        .custom { placement in
            let folder = placement.folder
            let siteFile = wireProtocol == .scgi ? "hyper-scgi.conf" : "hyper.conf"
            let site = try String(contentsOfFile: ProjectPaths.root + "/nginx/" + siteFile, encoding: .utf8)
                .replacingOccurrences(of: "unix:/run/hyper-demo/hyper-demo.sock", with: "unix:" + placement.sockets[0])
                .replacingOccurrences(of: "listen 80;", with: "listen 127.0.0.1:\(placement.port);")
                .replacingOccurrences(of: "listen [::]:80;", with: "")
                .replacingOccurrences(of: "include fastcgi_params;", with: "include /etc/nginx/fastcgi_params;")
                .replacingOccurrences(of: "include scgi_params;", with: "include /etc/nginx/scgi_params;")
            try site.write(toFile: folder + "/site.conf", atomically: true, encoding: .utf8)
            return mainConfiguration(folder: folder, http: "include \(folder)/site.conf;")
        }
    }
}
