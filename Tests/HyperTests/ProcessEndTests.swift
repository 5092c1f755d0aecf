import Foundation
import HyperTesting
import Testing

@Suite("HyperTesting: a process's end as the kernel reports it")
struct ProcessEndTests {
    /// Starts `/bin/sh -c script` with no input or output.
    private func shell(_ script: String, _ arguments: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test("an exit is seen at once while a process the child left behind keeps running")
    func exitSeenWhileDescendantRuns() throws {
        let folder = NSTemporaryDirectory() + "hyper-process-end-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pidFile = folder + "/sleeper.pid"
        // The sleeper inherits every descriptor of the shell, Foundation's exit socket included.
        let process = try shell(#"sleep 30 & echo $! > "$0"; exit 3"#, [pidFile])
        let started = ContinuousClock.now
        let status = process.waitForEnd(within: .seconds(10))
        let took = ContinuousClock.now - started
        let sleeper =
            pid_t(
                (try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                    ?? "") ?? 0
        defer { if sleeper > 0 { kill(sleeper, SIGKILL) } }
        #expect(status == 3)
        #expect(took < .seconds(5), "seen \(took) after the start, not when the sleeper ends")
        #expect(sleeper > 0 && kill(sleeper, 0) == 0, "the sleeper still ran when the exit was seen")
        #expect(!process.isStillRunning)
    }

    @Test("a running process has no end status; one ended by a signal reports the signal")
    func runningThenSignalled() throws {
        let process = try shell("exec sleep 30")
        #expect(process.isStillRunning)
        #expect(process.endStatus == nil)
        #expect(process.waitForEnd(within: .milliseconds(100)) == nil)
        // SIGKILL: a child started from a test's thread may inherit a mask that blocks SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        #expect(process.waitForEnd(within: .seconds(10)) == SIGKILL)
    }

    @Test("a pipe's output is read whole once its writer ends, though a process it left behind holds the pipe")
    func outputReadWhileDescendantHoldsPipe() throws {
        let folder = NSTemporaryDirectory() + "hyper-process-output-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pidFile = folder + "/sleeper.pid"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // 100,000 bytes: more than the pipe holds, so they must be read while the writer runs.
        process.arguments = [
            "-c", #"head -c 100000 /dev/zero | tr '\0' x; sleep 30 & echo $! > "$0"; exit 0"#, pidFile,
        ]
        let output = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let started = ContinuousClock.now
        let data = output.output(of: process, within: .seconds(10))
        let took = ContinuousClock.now - started
        let sleeper =
            pid_t(
                (try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
                    ?? "") ?? 0
        defer { if sleeper > 0 { kill(sleeper, SIGKILL) } }
        #expect(data == Data(repeating: UInt8(ascii: "x"), count: 100_000))
        #expect(took < .seconds(5), "read in \(took), not when the sleeper ends")
        #expect(sleeper > 0 && kill(sleeper, 0) == 0, "the sleeper still held the pipe")
    }
}
