import Foundation
import Glibc
import HyperTransport

/// A real `hyper-demo` behind a real private nginx, both started by a test on a unix socket and
/// a free port of 127.0.0.1 in a temporary folder, and stopped by their PIDs.
///
/// ```swift
/// try await DemoServer.with { server in
///     let response = try await server.get("/about")
///     #expect(response.status == 200)
/// }
/// ```
final class DemoServer: Sendable {
    let prefix: String
    let port: Int
    let socketPath: String
    private let app: Process
    private let nginx: Process

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts a server speaking `wireProtocol` between nginx and the app, runs `body`, and stops
    /// the server whatever happens. `environment` is added to the app's.
    static func with<T>(
        _ wireProtocol: WireProtocol = .fastCGI, arguments: [String] = [], environment: [String: String] = [:],
        keepalive: Int = 32, descriptorLimit: Int? = nil,
        _ body: (DemoServer) async throws -> T
    ) async throws -> T {
        let server = try await DemoServer.start(
            wireProtocol, arguments: arguments, environment: environment, keepalive: keepalive,
            descriptorLimit: descriptorLimit)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(server))
        } catch {
            result = .failure(error)
        }
        try await DedicatedThread.run { server.stop() }  // waits for two processes: off the pool
        return try result.get()
    }

    private init(prefix: String, port: Int, socketPath: String, app: Process, nginx: Process) {
        self.prefix = prefix
        self.port = port
        self.socketPath = socketPath
        self.app = app
        self.nginx = nginx
    }

    static func start(
        _ wireProtocol: WireProtocol = .fastCGI, arguments: [String], environment: [String: String], keepalive: Int,
        descriptorLimit: Int? = nil
    ) async throws -> DemoServer {
        let prefix = try makeTemporaryDirectory()
        let socketPath = prefix + "/hyper.sock"
        let port = try freePort()
        let config = try run(
            ProjectPaths.root + "/scripts/private-nginx",
            [prefix, String(port), socketPath, String(keepalive), wireProtocol.rawValue]
        ).trimmingCharacters(in: .whitespacesAndNewlines)

        let app = Process()
        let demoArguments =
            [
                try ProjectPaths.demoBinary(), "--socket", socketPath, "--protocol", wireProtocol.rawValue,
                "--log-level",
                "debug",
            ] + arguments
        if let descriptorLimit {  // prlimit sets the limit, then runs the demo in its own process
            app.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            app.arguments = ["--nofile=\(descriptorLimit):\(descriptorLimit)", "--"] + demoArguments
        } else {
            app.executableURL = URL(fileURLWithPath: demoArguments[0])
            app.arguments = Array(demoArguments.dropFirst())
        }
        app.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        app.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        _ = FileManager.default.createFile(atPath: prefix + "/app.log", contents: nil)
        app.standardError = FileHandle(forWritingAtPath: prefix + "/app.log")
        try app.run()

        let nginx = Process()
        nginx.executableURL = URL(fileURLWithPath: try ProjectPaths.nginxBinary())
        nginx.arguments = ["-p", prefix, "-c", config, "-e", prefix + "/error.log"]
        nginx.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        nginx.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try nginx.run()

        let server = DemoServer(prefix: prefix, port: port, socketPath: socketPath, app: app, nginx: nginx)
        do {
            try await server.waitUntilReady()
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    /// Stops nginx and the app (SIGTERM by PID, SIGKILL after 5 s) and removes the folder.
    func stop() {
        for process in [nginx, app] where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        for process in [nginx, app] {
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            // Bounded: Foundation sees an exit only once every descendant has let go of the
            // process's status socket, and an nginx worker may outlive a killed master.
            _ = eventually(within: .seconds(5)) { !process.isRunning }
        }
        try? FileManager.default.removeItem(atPath: prefix)
    }

    /// The app's process ID.
    var appPID: Int32 { app.processIdentifier }

    /// Whether the app is still running.
    var appIsRunning: Bool { app.isRunning }

    /// What the app has logged so far.
    var appLog: String {
        (try? String(contentsOfFile: prefix + "/app.log", encoding: .utf8)) ?? ""
    }

    /// How many descriptors the app has open.
    var appDescriptorCount: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(appPID)/fd").count) ?? -1
    }

    /// How many sockets the app has open (the listening one, connections from nginx or peers).
    var appSocketCount: Int {
        let folder = "/proc/\(appPID)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return entries.filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + $0))?.hasPrefix("socket:")
                == true
        }.count
    }

    /// How many threads the app has.
    var appThreadCount: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(appPID)/task").count) ?? -1
    }

    private func waitUntilReady() async throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            guard app.isRunning else { throw DemoServerError.exited("hyper-demo exited: \(appLog)") }
            guard nginx.isRunning else {
                let log = (try? String(contentsOfFile: prefix + "/error.log", encoding: .utf8)) ?? ""
                throw DemoServerError.exited("nginx exited: \(log)")
            }
            if let response = try? await Curl.run(["-s", "-o", "/dev/null", "-w", "%{http_code}", baseURL + "/hello"]),
                response.body == "200"
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let nginxLog = (try? String(contentsOfFile: prefix + "/error.log", encoding: .utf8)) ?? ""
        throw DemoServerError.exited(
            "the demo did not answer within 15 s; app log: \(appLog)\nnginx error log: \(nginxLog.suffix(3000))")
    }

    private static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/hyper-test.XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else { throw DemoServerError.exited("mkdtemp failed") }
        return String(cString: path)
    }

    /// A port of 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw DemoServerError.exited("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DemoServerError.exited("\(executable) failed with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

enum DemoServerError: Error, CustomStringConvertible {
    case exited(String)

    var description: String {
        switch self {
        case .exited(let message): "DemoServer: \(message)"
        }
    }
}
