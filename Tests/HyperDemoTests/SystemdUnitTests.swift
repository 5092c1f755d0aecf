import Foundation
import Testing

/// The units in `systemd/`, checked offline by `systemd-analyze` (no running systemd needed).
@Suite("systemd units")
struct SystemdUnitTests {
    /// Copies both units into `scratch`, the service's `ExecStart` pointing at the built binary
    /// (`systemd-analyze verify` checks that the command exists).
    private func installUnits(in scratch: ScratchDirectory) throws {
        let source = ProjectPaths.root + "/systemd/"
        let service = try String(contentsOfFile: source + "hyper-demo.service", encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/hyper-demo", with: try ProjectPaths.demoBinary())
        try service.write(toFile: scratch.file("hyper-demo.service"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: source + "hyper-demo.socket", toPath: scratch.file("hyper-demo.socket"))
    }

    private func systemdAnalyze(_ arguments: [String], in directory: String) throws -> (output: String, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), process.terminationStatus)
    }

    @Test("both units pass systemd-analyze verify without a single warning")
    func unitsVerify() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try installUnits(in: scratch)
        let result = try systemdAnalyze(["verify", "hyper-demo.socket", "hyper-demo.service"], in: scratch.path)
        #expect(result.status == 0)
        #expect(result.output == "", "systemd-analyze verify said: \(result.output)")
    }

    @Test("the service's exposure score is at most 1.0 (SAFE)")
    func exposureScore() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try installUnits(in: scratch)
        let result = try systemdAnalyze(
            ["security", "--offline=yes", "--no-pager", "hyper-demo.service"], in: scratch.path)
        let marker = "Overall exposure level for hyper-demo.service: "
        let range = try #require(result.output.range(of: marker), "\(result.output)")
        let score = try #require(Double(result.output[range.upperBound...].prefix { $0 == "." || $0.isNumber }))
        #expect(score <= 1.0)
        print("systemd-analyze security: exposure \(score)")
    }

    @Test("the instance templates (hyper-demo@.socket, hyper-demo@.service) verify cleanly and stay SAFE")
    func instanceTemplates() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let source = ProjectPaths.root + "/systemd/"
        let service = try String(contentsOfFile: source + "hyper-demo@.service", encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/hyper-demo", with: try ProjectPaths.demoBinary())
        try service.write(toFile: scratch.file("hyper-demo@1.service"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: source + "hyper-demo@.socket", toPath: scratch.file("hyper-demo@1.socket"))
        let verified = try systemdAnalyze(["verify", "hyper-demo@1.socket", "hyper-demo@1.service"], in: scratch.path)
        #expect(verified.status == 0)
        #expect(verified.output == "", "systemd-analyze verify said: \(verified.output)")
        let security = try systemdAnalyze(
            ["security", "--offline=yes", "--no-pager", "hyper-demo@1.service"], in: scratch.path)
        let marker = "Overall exposure level for hyper-demo@1.service: "
        let range = try #require(security.output.range(of: marker), "\(security.output)")
        let score = try #require(Double(security.output[range.upperBound...].prefix { $0 == "." || $0.isNumber }))
        #expect(score <= 1.0)
    }

    @Test("the service's ExecStart command line starts hyper-demo, which stops cleanly on SIGTERM")
    func execStartArgumentsAreValid() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let unit = try String(
            contentsOfFile: ProjectPaths.root + "/systemd/hyper-demo.service", encoding: .utf8)
        let execStart = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let arguments = execStart.dropFirst("ExecStart=".count).split(separator: " ").dropFirst().map(String.init)
        #expect(arguments.contains("--grace"))
        let demo = try StandaloneDemo(scratch: scratch, arguments: arguments)
        demo.process.signal(SIGTERM)
        #expect(demo.process.waitForExit(within: .seconds(10)) == 0)
    }
}
