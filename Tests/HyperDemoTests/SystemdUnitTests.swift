import Foundation
import HyperTransport
import Testing
import HyperTesting

/// The units in `systemd/`, checked offline by `systemd-analyze` (no running systemd needed).
@Suite("systemd units")
struct SystemdUnitTests {
    /// Copies both units into `scratch`, the service's `ExecStart` pointing at the built binary
    /// (`systemd-analyze verify` checks that the command exists), with the SCGI drop-in in
    /// `hyper-demo.service.d/` for SCGI.
    private func installUnits(in scratch: ScratchDirectory, wireProtocol: WireProtocol = .fastCGI) throws {
        let source = ProjectPaths.root + "/systemd/"
        let service = try String(contentsOfFile: source + "hyper-demo.service", encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/hyper-demo", with: try ProjectPaths.demoBinary())
        try service.write(toFile: scratch.file("hyper-demo.service"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: source + "hyper-demo.socket", toPath: scratch.file("hyper-demo.socket"))
        if wireProtocol == .scgi {
            try FileManager.default.createDirectory(
                atPath: scratch.file("hyper-demo.service.d"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: source + "scgi.conf", toPath: scratch.file("hyper-demo.service.d/scgi.conf"))
        }
    }

    /// `ExecStart`'s arguments with `${NAME}` replaced as systemd does, from the service's
    /// `Environment=` lines, then the drop-in's for SCGI (the last assignment wins).
    private func execStartArguments(for wireProtocol: WireProtocol) throws -> [String] {
        var lines = try String(contentsOfFile: ProjectPaths.root + "/systemd/hyper-demo.service", encoding: .utf8)
            .split(separator: "\n")
        if wireProtocol == .scgi {
            lines += try String(contentsOfFile: ProjectPaths.root + "/systemd/scgi.conf", encoding: .utf8)
                .split(separator: "\n")
        }
        var environment: [String: String] = [:]
        for line in lines where line.hasPrefix("Environment=") {
            let assignment = line.dropFirst("Environment=".count).split(separator: "=", maxSplits: 1)
            environment[String(assignment[0])] = String(assignment[1])
        }
        let execStart = try #require(lines.first { $0.hasPrefix("ExecStart=") })
        return execStart.dropFirst("ExecStart=".count).split(separator: " ").dropFirst().map { argument in
            environment.reduce(String(argument)) { $0.replacingOccurrences(of: "${\($1.key)}", with: $1.value) }
        }
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
        let data = output.output(of: process, within: .seconds(60))
        return (String(decoding: data, as: UTF8.self), process.waitForEnd(within: .seconds(5)) ?? -1)
    }

    @Test("both units pass systemd-analyze verify without a single warning", arguments: WireProtocol.allCases)
    func unitsVerify(wireProtocol: WireProtocol) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        try installUnits(in: scratch, wireProtocol: wireProtocol)
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

    @Test(
        "the service's ExecStart command line starts hyper-demo, which serves its protocol and stops cleanly on SIGTERM",
        arguments: WireProtocol.allCases)
    func execStartArgumentsAreValid(wireProtocol: WireProtocol) async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let arguments = try execStartArguments(for: wireProtocol)
        #expect(arguments.contains("--grace"))
        #expect(arguments.joined(separator: " ").contains("--protocol \(wireProtocol.rawValue)"))
        let demo = try await LiveApp.demo(in: scratch, arguments: arguments, wireProtocol: wireProtocol)
        defer { demo.stop() }
        let nginx = try await LiveNginx.demoSite(in: scratch, for: demo.socket, wireProtocol: wireProtocol)
        defer { nginx.stop() }
        #expect(try await Curl.run(["--silent", nginx.url("/hello")]).body == "Hello, world!")
        demo.signal(SIGTERM)
        #expect(await demo.waitForExit(within: .seconds(10)) == 0)
    }
}
