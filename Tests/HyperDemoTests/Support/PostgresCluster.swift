import Foundation
import HyperTesting

/// Several `hyper-demo` instances sharing their topics through a private PostgreSQL server, in
/// one scratch directory: each behind a private nginx of its own (`url(of:_:)`), and all behind
/// one more nginx whose upstream lists them all (`sharedURL(_:)`), as in production.
final class PostgresCluster {
    let scratch: ScratchDirectory
    let postgres: PrivatePostgres
    let instances: [LiveApp]
    private let nginxes: [LiveNginx]
    let shared: LiveNginx

    private init(
        scratch: ScratchDirectory, postgres: PrivatePostgres, instances: [LiveApp], nginxes: [LiveNginx],
        shared: LiveNginx
    ) {
        self.scratch = scratch
        self.postgres = postgres
        self.instances = instances
        self.nginxes = nginxes
        self.shared = shared
    }

    /// Runs `body` with `count` instances of `build` started with `arguments`; stops everything
    /// by PID and removes the scratch directory afterwards.
    static func with<T>(
        instances count: Int = 2, arguments: [String] = [], build: DemoBuild = .debug,
        _ body: (PostgresCluster) async throws -> T
    ) async throws -> T {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let postgres = try await PrivatePostgres.start(in: scratch)
        var instances: [LiveApp] = []
        var nginxes: [LiveNginx] = []
        let result: Result<T, any Error>
        do {
            result = .success(
                try await run(
                    instances: count, arguments: arguments, build: build, scratch: scratch, postgres: postgres,
                    started: { instances.append($0) }, nginxStarted: { nginxes.append($0) }, body))
        } catch {
            result = .failure(error)
        }
        let (stoppedInstances, stoppedNginxes) = (instances, nginxes)
        // Waits for every process: off the pool.
        try await DedicatedThread.run {
            stoppedNginxes.forEach { $0.stop() }
            stoppedInstances.forEach { $0.stop() }
        }
        await postgres.shutDownQuietly()
        return try result.get()
    }

    /// Starts the instances and their nginxes (reporting each as it starts, so that it is
    /// stopped even if a later one fails), then runs `body`.
    private static func run<T>(
        instances count: Int, arguments: [String], build: DemoBuild, scratch: ScratchDirectory,
        postgres: PrivatePostgres,
        started: (LiveApp) -> Void, nginxStarted: (LiveNginx) -> Void, _ body: (PostgresCluster) async throws -> T
    ) async throws -> T {
        var instances: [LiveApp] = []
        var nginxes: [LiveNginx] = []
        for index in 0..<count {
            let instance = try await LiveApp.demo(
                in: scratch, name: "instance-\(index)", arguments: ["--postgres", postgres.url] + arguments,
                build: build)
            started(instance)
            instances.append(instance)
            let nginx = try await LiveNginx.demoSite(in: scratch, name: "nginx-\(index)", for: instance.socket)
            nginxStarted(nginx)
            nginxes.append(nginx)
        }
        let sockets = instances.map(\.socket)
        let shared = try await LiveNginx.start(
            sockets: sockets, site: .project(), folder: scratch.file("nginx-shared"),
            nginx: try ProjectPaths.nginxBinary())
        nginxStarted(shared)
        nginxes.append(shared)
        return try await body(
            PostgresCluster(
                scratch: scratch, postgres: postgres, instances: instances, nginxes: nginxes, shared: shared))
    }

    /// `path` on the nginx in front of instance `index` alone.
    func url(of index: Int, _ path: String) -> String {
        nginxes[index].url(path)
    }

    /// Posts `text` to chat `room` through instance `index`, with the header `Idempotency-Key:
    /// idempotencyKey` if given; returns the HTTP status and the message's id when it was stored.
    func post(_ text: String, to room: String, via index: Int, idempotencyKey: String? = nil) async throws
        -> (status: Int, id: Int?)
    {
        let header = idempotencyKey.map { ["--header", "Idempotency-Key: \($0)"] } ?? []
        let response = try await Curl.run(
            [
                "--silent", "--include", "--data-urlencode", "user=test", "--data-urlencode", "text=\(text)",
                url(of: index, "/chat/\(room)/messages"),
            ] + header)
        let parsed = LiveServer.Response(parsing: response.body)
        let id = parsed.body.split(separator: " ").last.flatMap { Int($0.dropLast()) }
        return (parsed.status, parsed.status == 200 ? id : nil)
    }
}
