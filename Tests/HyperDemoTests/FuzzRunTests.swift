import Foundation
import HyperTesting
import Testing

/// Short libFuzzer runs over `FastCGIInputValidator` and `SCGIRequestParser` (`make fuzz` runs
/// them longer).
@Suite("Fuzzing the FastCGI input check and the SCGI parser")
struct FuzzRunTests {
    @Test(
        "libFuzzer runs over the input check for 5 seconds and finds nothing",
        arguments: ["fuzz-fastcgi-input", "fuzz-scgi-input"])
    func shortFuzzRun(script: String) async throws {
        // It keeps a core busy: never beside the latency tests.
        try await MachineLock.exclusively {
            // Waiting for the build and the run blocks a thread for a minute: never one of the
            // cooperative pool's two.
            let (status, log) = try await DedicatedThread.run {
                let fuzz = Process()
                fuzz.executableURL = URL(fileURLWithPath: ProjectPaths.root + "/scripts/" + script)
                fuzz.arguments = ["5"]
                fuzz.standardOutput = FileHandle.nullDevice
                let errors = Pipe()
                fuzz.standardError = errors
                try fuzz.run()
                let log = String(decoding: errors.output(of: fuzz, within: .seconds(600)), as: UTF8.self)
                return (fuzz.waitForEnd(within: .seconds(5)) ?? -1, log)
            }
            #expect(status == 0, "\(log.suffix(2000))")
            #expect(log.contains("Done "), "libFuzzer ran")
        }
    }
}
