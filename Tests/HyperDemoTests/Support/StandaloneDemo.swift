import Foundation
import HyperTransport

/// `hyper-demo` alone on a unix socket in a scratch directory, for tests that pair it with their
/// own nginx or signal it directly (`DemoServer` bundles both). Its log is in `log`. Several
/// instances share a scratch directory under different names (`<name>.sock`, `<name>.log`).
final class StandaloneDemo {
    let process: ChildProcess
    let socket: String

    init(scratch: ScratchDirectory, name: String = "demo", arguments: [String] = [], build: DemoBuild = .debug) throws {
        socket = scratch.file(name == "demo" ? "hyper.sock" : name + ".sock")
        process = try ChildProcess(
            try ProjectPaths.demoBinary(build), ["--socket", socket] + arguments,
            outputPath: scratch.file(name + ".out"), errorPath: scratch.file(name + ".log"))
        // The socket file appears once it listens; connections made from then on are queued.
        guard eventually(within: .seconds(10), { FileManager.default.fileExists(atPath: socket) }) else {
            process.stop()
            throw TestSupportError("hyper-demo did not start: \(process.errors)")
        }
    }

    /// How many sockets the process has open: the listening one and its connections.
    var socketCount: Int {
        let folder = "/proc/\(process.pid)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return entries.filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + $0))?.hasPrefix("socket:")
                == true
        }.count
    }

    /// The demo's log (swift-log writes to standard error).
    var log: String { process.errors }

    /// The process's resident memory in KiB, from `/proc`.
    var residentKiB: Int? {
        let status = (try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
    }

    func stop() {
        process.stop()
    }
}

extension StandaloneDemo {
    /// Runs `body` with the demo of `build` (started with `arguments`) behind a private nginx of
    /// its own (`keepalive` kept connections), in a fresh scratch directory; stops both and
    /// removes the directory afterwards.
    static func behindNginx<T>(
        _ wireProtocol: WireProtocol = .fastCGI, arguments: [String] = [], keepalive: Int = 32,
        build: DemoBuild = .debug,
        _ body: (ScratchDirectory, StandaloneDemo, PrivateNginx) async throws -> T
    ) async throws -> T {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let demo = try StandaloneDemo(
            scratch: scratch, arguments: ["--protocol", wireProtocol.rawValue] + arguments, build: build)
        defer { demo.stop() }
        let nginx = try PrivateNginx(
            scratch: scratch, port: try DemoServer.freePort(), socket: demo.socket, keepalive: keepalive,
            wireProtocol: wireProtocol)
        defer { nginx.stop() }
        return try await body(scratch, demo, nginx)
    }
}
