import Foundation
import HyperTesting

/// Several `hyper-demo` instances sharing their topics through a private PostgreSQL server, in
/// one scratch directory: each behind a private nginx of its own (`url(of:_:)`), and all behind
/// one more nginx whose upstream lists them all (`sharedURL(_:)`), as in production.
///
/// Chat is for the signed-in, and the demo keeps its sessions in each instance's memory (not in
/// PostgreSQL): `clients[i]` is signed in as user 1 through instance `i`'s own nginx, and its
/// cookie is good on that instance only.
final class PostgresCluster {
    let scratch: ScratchDirectory
    let postgres: PrivatePostgres
    let instances: [LiveApp]
    private let nginxes: [LiveNginx]
    let shared: LiveNginx
    /// A client signed in to each instance, through its own nginx.
    let clients: [LiveClient]

    private init(
        scratch: ScratchDirectory, postgres: PrivatePostgres, instances: [LiveApp], nginxes: [LiveNginx],
        shared: LiveNginx, clients: [LiveClient]
    ) {
        self.scratch = scratch
        self.postgres = postgres
        self.instances = instances
        self.nginxes = nginxes
        self.shared = shared
        self.clients = clients
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
        var clients: [LiveClient] = []
        for index in 0..<count {
            clients.append(try await LiveClient.signedIn(to: nginxes[index].url(""), as: 1))
        }
        return try await body(
            PostgresCluster(
                scratch: scratch, postgres: postgres, instances: instances, nginxes: nginxes, shared: shared,
                clients: clients))
    }

    /// `path` on the nginx in front of instance `index` alone.
    func url(of index: Int, _ path: String) -> String {
        nginxes[index].url(path)
    }

    /// curl's arguments for an event stream of instance `index` (through its nginx, or through
    /// the shared one when it leads there): `Accept: text/event-stream` and the cookie of
    /// `clients[index]`.
    func streamArguments(of index: Int) -> [String] {
        ["-H", "Accept: text/event-stream"] + clients[index].curlArguments
    }

    /// Posts `text` to chat `room` through instance `index` as `clients[index]` (its cookie and
    /// CSRF token), with the header `Idempotency-Key: idempotencyKey` if given; returns the HTTP
    /// status and the message's id when it was stored.
    func post(_ text: String, to room: String, via index: Int, idempotencyKey: String? = nil) async throws
        -> (status: Int, id: Int?)
    {
        let header = idempotencyKey.map { ["--header", "Idempotency-Key: \($0)"] } ?? []
        let session = clients[index].headers.flatMap { ["--header", $0] }
        let response = try await Curl.run(
            [
                "--silent", "--include", "--data-urlencode", "text=\(text)", url(of: index, "/chat/\(room)/messages"),
            ] + session + header)
        let parsed = LiveServer.Response(parsing: response.body)
        let id = parsed.body.split(separator: " ").last.flatMap { Int($0.dropLast()) }
        return (parsed.status, parsed.status == 200 ? id : nil)
    }
}
