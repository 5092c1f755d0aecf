import Foundation
import Hyper

/// An app's built executable running on a unix socket in a folder of its own, started and
/// stopped by process id: for a test that signals the app, watches its log and its resources,
/// or pairs it with its own clients or web server. `LiveServer` puts a `LiveNginx` in front of
/// one.
///
/// ```swift
/// let app = try await LiveApp.start(executable: ".build/debug/Poll", arguments: ["--grace", "1"])
/// app.signal(SIGTERM)
/// #expect(await app.waitForExit(within: .seconds(10)) == 0)
/// ```
///
/// The app must take `ServerOptions`' flags: it is started with `--socket` and `--protocol`. Its
/// standard error (swift-log's output) is `log`, its standard output `output`.
public final class LiveApp: Sendable {
    /// The unix socket the app listens on.
    public let socket: String
    /// The folder holding the socket and the logs.
    public let folder: String
    /// The wire protocol the app was started with.
    public let wireProtocol: WireProtocol
    private let name: String
    private let ownsFolder: Bool
    private let process: Process

    /// Starts `executable` with `--socket`, `--protocol` and `arguments` and returns once its
    /// socket file exists (from then on, connections are queued). It blocks meanwhile: from a
    /// test, use `start(...)`, which waits off Swift's cooperative pool.
    ///
    /// - Parameters:
    ///   - folder: where the socket (`<name>.sock`) and the logs (`<name>.log`, `<name>.out`)
    ///     go; nil makes a fresh folder, which `stop()` removes.
    ///   - environment: added to this process's for the app.
    ///   - launcher: a command the app runs under, such as `["/usr/bin/prlimit", "--nofile=256:256", "--"]`
    ///     (it must `exec` the app, keeping the process id).
    /// - Throws: `LiveServerError` with the app's log when its socket does not appear within
    ///   `startTimeout`, or when it exits first.
    public init(
        executable: String, arguments: [String] = [], wireProtocol: WireProtocol = .fastCGI, folder: String? = nil,
        name: String = "app", environment: [String: String] = [:], launcher: [String] = [],
        startTimeout: Duration = .seconds(10)
    ) throws {
        self.folder = try folder ?? LiveProcess.makeFolder()
        ownsFolder = folder == nil
        self.name = name
        self.wireProtocol = wireProtocol
        socket = self.folder + "/\(name).sock"
        let command = launcher + [executable, "--socket", socket, "--protocol", wireProtocol.rawValue] + arguments
        do {
            process = try LiveProcess.start(
                command[0], Array(command.dropFirst()), output: self.folder + "/\(name).out",
                errors: self.folder + "/\(name).log", environment: environment)
        } catch {
            if ownsFolder { try? FileManager.default.removeItem(atPath: self.folder) }
            throw error
        }
        let (socket, process) = (socket, process)
        let listens = { FileManager.default.fileExists(atPath: socket) }
        guard LiveProcess.eventually(within: startTimeout, { listens() || !process.isStillRunning }), listens() else {
            let log = self.log
            stop()
            throw LiveServerError("the app did not start: \(log)")
        }
    }

    /// `init(...)`, waiting off Swift's cooperative pool.
    public static func start(
        executable: String, arguments: [String] = [], wireProtocol: WireProtocol = .fastCGI, folder: String? = nil,
        name: String = "app", environment: [String: String] = [:], launcher: [String] = [],
        startTimeout: Duration = .seconds(10)
    ) async throws -> LiveApp {
        try await LiveProcess.offThePool {
            try LiveApp(
                executable: executable, arguments: arguments, wireProtocol: wireProtocol, folder: folder, name: name,
                environment: environment, launcher: launcher, startTimeout: startTimeout)
        }
    }

    deinit {
        stop()
    }

    /// The app's process id.
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Whether the app still runs.
    public var isRunning: Bool { process.isStillRunning }

    /// What the app wrote to standard error so far: its log.
    public var log: String { LiveProcess.read(folder + "/\(name).log") }

    /// What the app wrote to standard output so far.
    public var output: String { LiveProcess.read(folder + "/\(name).out") }

    /// Sends `number` (such as `SIGTERM`) to the app, if it still runs.
    public func signal(_ number: Int32) {
        if process.isStillRunning { kill(process.processIdentifier, number) }
    }

    /// Waits, off Swift's cooperative pool, until the app has exited; returns its exit status,
    /// or nil if it still runs after `timeout`.
    public func waitForExit(within timeout: Duration) async -> Int32? {
        let process = process
        return try? await LiveProcess.offThePool { process.waitForEnd(within: timeout) }
    }

    /// `waitForExit(within:)`, blocking the calling thread: for code that runs on a thread of its own.
    public func waitForExitBlocking(within timeout: Duration) -> Int32? {
        process.waitForEnd(within: timeout)
    }

    /// How many descriptors the app has open (from `/proc`); nil once it has exited.
    public var openDescriptors: Int? {
        try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(processIdentifier)/fd").count
    }

    /// How many sockets the app has open: the listening one and its connections.
    public var openSockets: Int? {
        let folder = "/proc/\(processIdentifier)/fd"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        return entries.filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + $0))?.hasPrefix("socket:")
                == true
        }.count
    }

    /// How many threads the app has.
    public var threads: Int? {
        try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(processIdentifier)/task").count
    }

    /// The app's resident memory in KiB.
    public var residentKiB: Int? {
        LiveProcess.read("/proc/\(processIdentifier)/status").split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
    }

    /// Ends the app (SIGTERM, SIGKILL after two seconds) and removes the folder it made. Blocks.
    public func stop() {
        process.stop()
        if ownsFolder { try? FileManager.default.removeItem(atPath: folder) }
    }
}
