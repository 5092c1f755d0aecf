import Foundation

/// `Fixtures/socket-activate.py` running `hyper-demo` on a socket it holds, as systemd's socket
/// activation does: the test restarts and stops the service through it and reads its reports
/// (`started PID`, `exited PID STATUS`, `notify PID MESSAGE`).
final class SocketActivator {
    enum Mode: String {
        case listenFDs = "listen-fds"
        case standardInput = "stdin"
    }

    let process: ChildProcess
    let socket: String

    init(scratch: ScratchDirectory, mode: Mode, notifySocket: String?, arguments: [String] = []) throws {
        socket = scratch.file("activated.sock")
        let script = ProjectPaths.root + "/Tests/HyperDemoTests/Fixtures/socket-activate.py"
        var options = [script, "--socket", socket, "--mode", mode.rawValue]
        if let notifySocket { options += ["--notify", notifySocket] }
        process = try ChildProcess(
            "/usr/bin/python3", options + ["--", try ProjectPaths.demoBinary()] + arguments,
            outputPath: scratch.file("activator.out"), errorPath: scratch.file("activator.err"), keepsInputOpen: true)
        guard eventually(within: .seconds(10), { process.output.contains("ready\n") }) else {
            process.stop()
            throw TestSupportError("socket-activate.py did not start: \(process.errors)")
        }
    }

    /// The report lines so far.
    var reports: [String] {
        process.output.split(separator: "\n").map(String.init)
    }

    /// PIDs of the service instances started so far, in order.
    var startedPIDs: [String] {
        reports.filter { $0.hasPrefix("started ") }.map { String($0.dropFirst("started ".count)) }
    }

    /// Messages instance `pid` sent to NOTIFY_SOCKET.
    func notifications(from pid: String) -> [String] {
        reports.filter { $0.hasPrefix("notify \(pid) ") }.map { String($0.dropFirst("notify \(pid) ".count)) }
    }

    /// Waits until instance `pid` has sent a message containing `text`.
    func waitForNotification(from pid: String, containing text: String) -> Bool {
        eventually(within: .seconds(10)) { notifications(from: pid).contains { $0.contains(text) } }
    }

    func send(_ command: String) {
        process.send(command)
    }

    /// Stops the service and the activator.
    func quit() {
        send("quit")
        if process.waitForExit(within: .seconds(10)) == nil { process.stop() }
    }
}
