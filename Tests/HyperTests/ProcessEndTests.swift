import Foundation
import HyperTesting
import Testing

@Suite("HyperTesting: a process's end as the kernel reports it")
struct ProcessEndTests {
    /// Starts `/bin/sh -c script arguments…` with no input, its output to `output` (a `Pipe`)
    /// or nowhere.
    private func shell(_ script: String, _ arguments: [String] = [], output: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `body` with the path of a file, in a fresh folder, for a script to write a process
    /// id to; afterwards kills that process (by the id) and removes the folder.
    private func withSleeperFile<T>(_ body: (String) throws -> T) throws -> T {
        let folder = NSTemporaryDirectory() + "hyper-process-end-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer {
            if let sleeper = sleeper(in: folder + "/sleeper.pid") { kill(sleeper, SIGKILL) }
            try? FileManager.default.removeItem(atPath: folder)
        }
        return try body(folder + "/sleeper.pid")
    }

    /// The process id written to `path`, if any.
    private func sleeper(in path: String) -> pid_t? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
            pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Whether the process `pid` exists.
    private func exists(_ pid: pid_t?) -> Bool {
        pid.map { kill($0, 0) == 0 } ?? false
    }

    @Test("an exit is seen at once while a process the child left behind keeps running")
    func exitSeenWhileDescendantRuns() throws {
        try withSleeperFile { pidFile in
            // The sleeper inherits every descriptor of the shell, Foundation's exit socket included.
            let process = try shell(#"sleep 30 & echo $! > "$0"; exit 3"#, [pidFile])
            let started = ContinuousClock.now
            let status = process.waitForEnd(within: .seconds(10))
            let took = ContinuousClock.now - started
            #expect(status == 3)
            #expect(took < .seconds(5), "seen \(took) after the start, not when the sleeper ends")
            #expect(exists(sleeper(in: pidFile)), "the sleeper still ran when the exit was seen")
            #expect(!process.isStillRunning)
        }
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
        try withSleeperFile { pidFile in
            let output = Pipe()
            // 100,000 bytes: more than the pipe holds, so they must be read while the writer runs.
            let process = try shell(
                #"head -c 100000 /dev/zero | tr '\0' x; sleep 30 & echo $! > "$0"; exit 0"#, [pidFile], output: output)
            let started = ContinuousClock.now
            let data = output.output(of: process, within: .seconds(10))
            let took = ContinuousClock.now - started
            #expect(data == Data(repeating: UInt8(ascii: "x"), count: 100_000))
            #expect(took < .seconds(5), "read in \(took), not when the sleeper ends")
            #expect(exists(sleeper(in: pidFile)), "the sleeper still held the pipe")
        }
    }
}
