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

    init(scratch: ScratchDirectory) throws {
        folder = scratch.file("postgres")
        try start()
    }

    /// Starts the server (again, after `stop()`), and waits until it accepts connections.
    func start() throws {
        let output = try Self.script("start", folder)
        let fields = output.split(separator: " ")
        guard fields.count == 2, let pid = Int32(fields[0]) else {
            throw TestSupportError("scripts/private-postgres printed \(output)")
        }
        self.pid = pid
        url = String(fields[1])
    }

    /// Stops the server (fast shutdown: sessions are ended) and waits until it has exited.
    func stop() {
        _ = try? Self.script("stop", folder)
    }

    /// Runs `sql` through psql; returns what it printed (unaligned, tuples only).
    @discardableResult
    func psql(_ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [
            "--host=\(folder)", "--username=hyper", "--dbname=hyper", "--no-psqlrc", "--tuples-only", "--no-align",
            "--set=ON_ERROR_STOP=1", "--command=\(sql)",
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let failure = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestSupportError("psql \(sql): \(failure)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func script(_ command: String, _ folder: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProjectPaths.root + "/scripts/private-postgres")
        process.arguments = [command, folder]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let failure = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestSupportError("scripts/private-postgres \(command) failed: \(failure)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
