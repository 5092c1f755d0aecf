import Foundation
import Testing

/// A short libFuzzer run over `FastCGIInputValidator` (`make fuzz` runs it longer).
@Suite("Fuzzing the FastCGI input check")
struct FuzzRunTests {
    @Test("scripts/fuzz-fastcgi-input runs libFuzzer over the validator for 5 seconds and finds nothing")
    func shortFuzzRun() async throws {
        // It keeps a core busy: never beside the latency tests.
        try await MachineLock.exclusively {
            let fuzz = Process()
            fuzz.executableURL = URL(fileURLWithPath: ProjectPaths.root + "/scripts/fuzz-fastcgi-input")
            fuzz.arguments = ["5"]
            fuzz.standardOutput = FileHandle.nullDevice
            let errors = Pipe()
            fuzz.standardError = errors
            try fuzz.run()
            let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            fuzz.waitUntilExit()
            #expect(fuzz.terminationStatus == 0, "\(log.suffix(2000))")
            #expect(log.contains("Done "), "libFuzzer ran")
        }
    }
}
