import Foundation

/// A private PostgreSQL server for one test: a cluster made by `initdb` in the test's scratch
/// directory, reached only through its unix socket, run as the `postgres` user when the tests run
/// as root, started and stopped by `scripts/private-postgres` (stopped by its PID).
final class PrivatePostgres {
    /// The cluster's folder, which also holds its socket.
    let folder: String
    /// `postgres://hyper@/hyper?host=<folder>`, what `hyper-demo --postgres` takes.
    private(set) var url = ""
    /// The postmaster's PID while it runs.
    private(set) var pid: Int32 = 0

    private init(folder: String) {
        self.folder = folder
    }

    /// Makes the cluster in `scratch` and starts the server; waits off the cooperative pool.
    static func start(in scratch: ScratchDirectory) async throws -> PrivatePostgres {
        let postgres = PrivatePostgres(folder: scratch.file("postgres"))
        try await postgres.start()
        return postgres
    }

    /// Starts the server (again, after `shutDown()`), and waits until it accepts connections.
    func start() async throws {
        let folder = folder
        let output = try await DedicatedThread.run { try Self.script("start", folder) }
        let fields = output.split(separator: " ")
        guard fields.count == 2, let pid = Int32(fields[0]) else {
            throw TestSupportError("scripts/private-postgres printed \(output)")
        }
        self.pid = pid
        url = String(fields[1])
    }

    /// Stops the server (fast shutdown: sessions are ended) and waits off the cooperative pool
    /// until it has exited.
    func shutDown() async throws {
        let folder = folder
        _ = try await DedicatedThread.run { try Self.script("stop", folder) }
    }

    /// Stops the server, blocking: for `defer` at the end of a test.
    func stop() {
        _ = try? Self.script("stop", folder)
    }

    /// Stops the server off the cooperative pool; a failure to stop one already stopped is not
    /// reported (the end of a test).
    func shutDownQuietly() async {
        let folder = folder
        _ = try? await DedicatedThread.run { try Self.script("stop", folder) }
    }

    /// Runs `sql` through psql, off the cooperative pool; returns what it printed (unaligned,
    /// tuples only).
    @discardableResult
    func psql(_ sql: String) async throws -> String {
        try await Self.psql(sql, in: folder)
    }

    /// Runs `sql` through psql on the server whose folder is `folder`, off the cooperative pool:
    /// for a task of its own, which cannot take the server along.
    @discardableResult
    static func psql(_ sql: String, in folder: String) async throws -> String {
        try await DedicatedThread.run { try Self.psql(sql, folder: folder) }
    }

    private static func psql(_ sql: String, folder: String) throws -> String {
        let arguments = [
            "--host=\(folder)", "--username=hyper", "--dbname=hyper", "--no-psqlrc", "--tuples-only", "--no-align",
            "--set=ON_ERROR_STOP=1", "--command=\(sql)",
        ]
        let (status, output, errors) = try run("/usr/bin/psql", arguments, folder + "-psql")
        guard status == 0 else { throw TestSupportError("psql \(sql): \(errors)") }
        return output
    }

    /// Runs `scripts/private-postgres command folder`; returns what it printed.
    private static func script(_ command: String, _ folder: String) throws -> String {
        let (status, output, errors) = try run(
            ProjectPaths.root + "/scripts/private-postgres", [command, folder], folder + "-\(command)")
        guard status == 0 else { throw TestSupportError("scripts/private-postgres \(command) failed: \(errors)") }
        return output
    }

    /// Runs `executable` and waits for it; returns its exit status and what it wrote, trimmed.
    /// Its output goes to files at `outputStem`.out and .err, never to pipes: the server the
    /// script starts would inherit a pipe's other end and keep it open. posix_spawn and waitpid
    /// rather than Foundation's Process, whose wait missed the exit of the script here.
    static func run(_ executable: String, _ arguments: [String], _ outputStem: String) throws -> (Int32, String, String)
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputStem + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, outputStem + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw TestSupportError("cannot run \(executable): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let read = { (path: String) in
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exited, read(outputStem + ".out"), read(outputStem + ".err"))
    }
}
