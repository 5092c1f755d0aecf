import Foundation

/// Several `hyper-demo` instances sharing their topics through a private PostgreSQL server, in
/// one scratch directory: each behind a private nginx of its own (`url(of:_:)`), and all behind
/// one more nginx whose upstream lists them all (`sharedURL(_:)`), as in production.
final class PostgresCluster {
    let scratch: ScratchDirectory
    let postgres: PrivatePostgres
    let instances: [StandaloneDemo]
    private let nginxes: [PrivateNginx]
    let shared: PrivateNginx

    private init(
        scratch: ScratchDirectory, postgres: PrivatePostgres, instances: [StandaloneDemo], nginxes: [PrivateNginx],
        shared: PrivateNginx
    ) {
        self.scratch = scratch
        self.postgres = postgres
        self.instances = instances
        self.nginxes = nginxes
        self.shared = shared
    }

    /// Runs `body` with `count` instances started with `arguments`; stops everything by PID and
    /// removes the scratch directory afterwards.
    static func with<T>(
        instances count: Int = 2, arguments: [String] = [], _ body: (PostgresCluster) async throws -> T
    ) async throws -> T {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let postgres = try await PrivatePostgres.start(in: scratch)
        defer { postgres.stop() }
        var instances: [StandaloneDemo] = []
        defer { instances.forEach { $0.stop() } }
        var nginxes: [PrivateNginx] = []
        defer { nginxes.forEach { $0.stop() } }
        for index in 0..<count {
            let instance = try StandaloneDemo(
                scratch: scratch, name: "instance-\(index)", arguments: ["--postgres", postgres.url] + arguments)
            instances.append(instance)
            nginxes.append(
                try PrivateNginx(
                    scratch: scratch, name: "nginx-\(index)", port: try DemoServer.freePort(), socket: instance.socket))
        }
        let shared = try PrivateNginx(
            scratch: scratch, name: "nginx-shared", port: try DemoServer.freePort(),
            socket: instances.map(\.socket).joined(separator: ","))
        nginxes.append(shared)
        return try await body(
            PostgresCluster(
                scratch: scratch, postgres: postgres, instances: instances, nginxes: nginxes, shared: shared))
    }

    /// `path` on the nginx in front of instance `index` alone.
    func url(of index: Int, _ path: String) -> String {
        nginxes[index].url(path)
    }

    /// Posts `text` to chat `room` through instance `index`; returns the HTTP status and the
    /// message's id when it was stored.
    func post(_ text: String, to room: String, via index: Int) async throws -> (status: Int, id: Int?) {
        let response = try await Curl.run([
            "--silent", "--include", "--data-urlencode", "user=test", "--data-urlencode", "text=\(text)",
            url(of: index, "/chat/\(room)/messages"),
        ])
        let parsed = Curl.parse(response.body)
        let id = parsed.body.split(separator: " ").last.flatMap { Int($0.dropLast()) }
        return (parsed.status, parsed.status == 200 ? id : nil)
    }
}
