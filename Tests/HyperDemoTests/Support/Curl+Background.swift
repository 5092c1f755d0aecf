import Foundation

extension Curl {
    /// Starts curl in the background (`--silent --show-error`, at most `maxTime` seconds), the
    /// body going to `outputPath`; the test waits for it and stops it by its PID.
    static func start(_ arguments: [String], outputPath: String, errorPath: String, maxTime: Int = 20) throws
        -> ChildProcess
    {
        try ChildProcess(
            "/usr/bin/curl", ["--silent", "--show-error", "--max-time", String(maxTime)] + arguments,
            outputPath: outputPath, errorPath: errorPath)
    }
}
