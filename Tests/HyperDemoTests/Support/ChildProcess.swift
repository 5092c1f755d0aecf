import Foundation
import HyperTesting

/// A process a test starts: its output goes to files in the test's scratch directory, and the
/// test stops it by its PID.
final class ChildProcess {
    let process = Process()
    /// Where standard output and standard error go.
    let outputPath: String
    let errorPath: String
    private var input: Pipe?

    /// Starts `executable`. With `keepsInputOpen`, `send(_:)` writes lines to its standard input.
    init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, outputPath: String,
        errorPath: String, keepsInputOpen: Bool = false
    ) throws {
        self.outputPath = outputPath
        self.errorPath = errorPath
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = FileHandle(forWritingAtPath: errorPath)
        if keepsInputOpen {
            let pipe = Pipe()
            process.standardInput = pipe
            input = pipe
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    var isRunning: Bool { process.isStillRunning }

    /// What the process wrote to standard output so far.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// What the process wrote to standard error so far.
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Writes `line` and a newline to the process's standard input.
    func send(_ line: String) {
        input?.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    func signal(_ number: Int32) {
        if process.isStillRunning { kill(pid, number) }
    }

    /// Waits for the process to exit; returns its exit status, or nil if it still runs after
    /// `timeout`.
    func waitForExit(within timeout: Duration) -> Int32? {
        process.waitForEnd(within: timeout)
    }

    /// Ends the process if it still runs: SIGTERM, then SIGKILL after two seconds.
    func stop() {
        process.stop()
    }
}
