import Foundation
import Hyper
import Testing

/// A problem found at start-up ends `hyper-demo` (which serves through `ServerOptions.run`) with
/// one log line naming the cause and exit status 1: never a trap with a backtrace.
@Suite("Start-up failures")
struct StartupFailureTests {
    /// Starts the demo with `arguments`, waits for it to exit and returns its status and log.
    private func start(_ arguments: [String], scratch: ScratchDirectory) throws -> (status: Int32?, log: String) {
        let demo = try ChildProcess(
            try ProjectPaths.demoBinary(), arguments, outputPath: scratch.file("demo.out"),
            errorPath: scratch.file("demo.log"))
        defer { demo.stop() }
        return (demo.waitForExit(within: .seconds(20)), demo.errors)
    }

    private func expectOneLineFailure(
        _ result: (status: Int32?, log: String), naming cause: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == 1, "exit status", sourceLocation: sourceLocation)
        let lines = result.log.split(separator: "\n")
        #expect(lines.count == 1, "\(result.log)", sourceLocation: sourceLocation)
        #expect(
            result.log.contains("critical") && result.log.contains(cause), "\(result.log)",
            sourceLocation: sourceLocation)
        #expect(!result.log.contains("Fatal error"), sourceLocation: sourceLocation)
    }

    @Test("a unix socket another process accepts on")
    func socketInUse() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch.file("taken.sock")
        let taken = try ListeningSocket.unix(path: path)
        defer { taken.close() }
        expectOneLineFailure(try start(["--socket", path], scratch: scratch), naming: path)
        #expect(FileManager.default.fileExists(atPath: path), "the other process's socket file stays")
    }

    @Test("a socket path in a folder that does not exist")
    func missingFolder() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = scratch.file("no-such-folder/app.sock")
        expectOneLineFailure(try start(["--socket", path], scratch: scratch), naming: path)
    }

    @Test("a TCP address that is no address")
    func badAddress() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        expectOneLineFailure(try start(["--listen", "999.0.0.1:9000"], scratch: scratch), naming: "999.0.0.1")
    }

    @Test("a malformed flag is a usage error that names the flag")
    func usageError() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let result = try start(["--listen", "no-port"], scratch: scratch)
        #expect(result.status == 64)
        #expect(result.log.contains("--listen takes HOST:PORT"), "\(result.log)")
    }
}
