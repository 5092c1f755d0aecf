import Foundation

/// A PostgreSQL server of its own for one test: `scripts/private-postgres` makes a cluster in a
/// fresh temporary folder (unix socket only; run as the `postgres` user when the tests run as
/// root) and starts it; `stop()` stops it by its PID, `remove()` deletes the folder.
final class TemporaryPostgres {
    /// The temporary folder; the cluster and its socket are in `folder/postgres`.
    let folder: String
    /// `postgres://hyper@/hyper?host=…`
    private(set) var url = ""

    private init(folder: String) {
        self.folder = folder
    }

    /// Makes the folder and the cluster and starts the server, waiting off the cooperative pool
    /// (two threads here, which other suites need meanwhile).
    static func make() async throws -> TemporaryPostgres {
        var template = Array("/tmp/hyper-postgres-test.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TemporaryPostgresError("cannot create a temporary folder") }
        let postgres = TemporaryPostgres(folder: String(cString: made))
        chmod(postgres.folder, 0o755)  // the postgres user must reach the cluster's folder
        do {
            try await postgres.start()
        } catch {
            postgres.remove()
            throw error
        }
        return postgres
    }

    /// Starts the server (again, after `shutDown()`).
    func start() async throws {
        let cluster = folder + "/postgres"
        let started = try await Self.offPool { try Self.script("start", cluster) }
        guard let url = started.split(separator: " ").last else {
            throw TemporaryPostgresError("scripts/private-postgres printed \(started)")
        }
        self.url = String(url)
    }

    /// Stops the server (fast shutdown) and waits, off the cooperative pool, until it has exited.
    func shutDown() async throws {
        let cluster = folder + "/postgres"
        _ = try await Self.offPool { try Self.script("stop", cluster) }
    }

    /// Stops the server, blocking: for `remove()` at the end of a test.
    func stop() {
        _ = try? Self.script("stop", folder + "/postgres")
    }

    /// Stops the server and deletes the folder.
    func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs `sql` through psql as `hyper` on the database `hyper`, off the cooperative pool (it
    /// may wait for as long as the statements do); returns what it printed (unaligned, tuples
    /// only).
    @discardableResult
    func psql(_ sql: String) async throws -> String {
        try await Self.psql(sql, in: folder)
    }

    /// `psql(_:)` on the server of the temporary folder `folder`: for a task of its own, which
    /// cannot take the server along.
    @discardableResult
    static func psql(_ sql: String, in folder: String) async throws -> String {
        let cluster = folder + "/postgres"
        let stem = folder + "/psql-\(UInt32.random(in: 0...UInt32.max))"
        return try await offPool {
            let arguments = [
                "--host=\(cluster)", "--username=hyper", "--dbname=hyper", "--no-psqlrc", "--tuples-only",
                "--no-align", "--set=ON_ERROR_STOP=1", "--command=\(sql)",
            ]
            let (status, output, errors) = try Self.run("/usr/bin/psql", arguments, stem)
            guard status == 0 else { throw TemporaryPostgresError("psql \(sql): \(errors)") }
            return output
        }
    }

    /// Runs blocking work on a thread of its own.
    private static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    private static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        fatalError("TemporaryPostgres: no Package.swift above \(#filePath)")
    }()

    /// Runs `scripts/private-postgres command folder`; returns what it printed.
    private static func script(_ command: String, _ folder: String) throws -> String {
        let (status, output, errors) = try run(
            root + "/scripts/private-postgres", [command, folder], folder + "-\(command)")
        guard status == 0 else { throw TemporaryPostgresError("scripts/private-postgres \(command) failed: \(errors)") }
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
        guard spawned == 0 else { throw TemporaryPostgresError("cannot run \(executable): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let read = { (path: String) in
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exited, read(outputStem + ".out"), read(outputStem + ".err"))
    }
}

/// The test's PostgreSQL server could not be set up.
struct TemporaryPostgresError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = "HyperPostgresTests: \(description)" }
}
