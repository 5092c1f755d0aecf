import Foundation

extension Process {
    /// The exit status once the process has ended (for a process ended by a signal, the
    /// signal's number, as `terminationStatus` gives it); nil while it runs.
    ///
    /// It asks the kernel (`waitid` with `WNOWAIT`, so that Foundation still reaps the process)
    /// instead of trusting `isRunning` alone. Foundation learns of an exit only when a socket the
    /// child holds is closed, and a process that another thread starts at that moment can inherit
    /// that socket and keep it open for as long as it runs: a test would then wait for an exit
    /// that happened long before.
    public var endStatus: Int32? {
        var unreapedChecks = 0
        while isRunning {
            var info = siginfo_t()
            if waitid(P_PID, id_t(processIdentifier), &info, WEXITED | WNOHANG | WNOWAIT) == 0 {
                let child = info._sifields._sigchld
                return child.si_pid == 0 ? nil : child.si_status
            }
            if errno == EINTR { continue }
            // ECHILD: Foundation has just reaped it and is about to say so.
            unreapedChecks += 1
            if unreapedChecks > 1_000 { return nil }
            usleep(1_000)
        }
        return terminationStatus
    }

    /// Whether the process still runs, by `endStatus`.
    public var isStillRunning: Bool { endStatus == nil }

    /// Waits up to `timeout` for the process to end; returns its `endStatus`, or nil if it still
    /// runs. Blocks: call it off Swift's cooperative pool.
    public func waitForEnd(within timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = endStatus { return status }
            if ContinuousClock.now >= deadline { return nil }
            usleep(10_000)
        }
    }

    /// Stops the process if it still runs: SIGTERM, then SIGKILL after `patience`, each followed
    /// by a bounded wait for its end. Blocks: call it off Swift's cooperative pool.
    public func stop(patience: Duration = .seconds(2)) {
        guard isStillRunning else { return }
        kill(processIdentifier, SIGTERM)
        if waitForEnd(within: patience) == nil {
            kill(processIdentifier, SIGKILL)
            _ = waitForEnd(within: .seconds(2))
        }
    }
}

extension Pipe {
    /// What `process` writes into this pipe, read until the process has ended and the pipe holds
    /// nothing more, or until `timeout`. Unlike `readDataToEndOfFile()`, it does not wait for
    /// every holder of the pipe's writing end: a process another thread starts at the same moment
    /// can inherit that end and keep it open. Blocks: call it off Swift's cooperative pool.
    public func output(of process: Process, within timeout: Duration) -> Data {
        let descriptor = fileHandleForReading.fileDescriptor
        let deadline = ContinuousClock.now + timeout
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while ContinuousClock.now < deadline {
            let ended = process.endStatus != nil
            var watch = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&watch, 1, ended ? 0 : 50)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else {
                if ended { break }
                continue
            }
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            data.append(contentsOf: buffer[..<count])
        }
        return data
    }
}
