import Foundation
import HyperTesting

/// Runs the real `curl` and parses what it received.
struct Curl {
    /// What curl printed to standard output.
    struct Output {
        var body: String
    }

    /// Runs curl with `arguments`; returns its standard output. For a request and its parsed
    /// response, `LiveServer.request(url:...)`.
    static func run(_ arguments: [String], timeout: Duration = .seconds(20)) async throws -> Output {
        // Waiting for curl blocks a thread for as long as it runs: never one of the cooperative
        // pool's two, which every other suite of this process needs meanwhile.
        try await DedicatedThread.run {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            process.arguments = ["--max-time", String(timeout.components.seconds)] + arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            let data = output.output(of: process, within: timeout + .seconds(5))
            return Output(body: String(decoding: data, as: UTF8.self))
        }
    }
}
