import Foundation
import Testing
import HyperTesting

/// libfcgi's reads pass through Hyper's input check in every way an app is built: the check is a
/// dynamic symbol of the program (`OS_Read`), a hostile record is refused, and a program in which
/// libfcgi would read unchecked refuses to start.
@Suite("Input check in every build", .serialized)
struct InputGateBuildTests {
    /// What `nm -D --defined-only` says of `OS_Read` in `binary`: its line, or nil.
    private static func exportedReadGate(in binary: String, scratch: ScratchDirectory) throws -> String? {
        let nm = try ChildProcess(
            "/usr/bin/nm", ["-D", "--defined-only", binary], outputPath: scratch.file("nm.out"),
            errorPath: scratch.file("nm.err"))
        guard nm.waitForExit(within: .seconds(30)) == 0 else { throw TestSupportError("nm failed: \(nm.errors)") }
        return nm.output.split(separator: "\n").first { $0.hasSuffix(" OS_Read") }.map(String.init)
    }

    /// Sends lengths of 0x40000000 (which abort libfcgi unchecked) to the program listening on
    /// `socket`; returns the peer's JSON report.
    private static func sendOverflow(to socket: String, scratch: ScratchDirectory) throws -> [String: Any] {
        let peer = try ChildProcess(
            "/usr/bin/python3",
            [ProjectPaths.root + "/Tests/HyperDemoTests/Fixtures/hostile-peer.py", socket, "params-length-0x40000000"],
            outputPath: scratch.file("peer.json"), errorPath: scratch.file("peer.err"))
        guard peer.waitForExit(within: .seconds(60)) == 0 else { throw TestSupportError("peer failed: \(peer.errors)") }
        return try #require(try JSONSerialization.jsonObject(with: Data(peer.output.utf8)) as? [String: Any])
    }

    @Test("hyper-demo exports OS_Read and refuses a hostile record", arguments: DemoBuild.allCases)
    func demoBuild(_ build: DemoBuild) async throws {
        try await MachineLock.exclusively {
            let scratch = try ScratchDirectory()
            defer { scratch.remove() }
            let line = try Self.exportedReadGate(in: try ProjectPaths.demoBinary(build), scratch: scratch)
            #expect(line?.contains(" T ") == true, "nm -D: \(line ?? "no OS_Read")")
            let demo = try await LiveApp.demo(in: scratch, build: build)
            defer { demo.stop() }
            let report = try Self.sendOverflow(to: demo.socket, scratch: scratch)
            #expect(report["closed"] as? Bool == true)
            #expect(report["still_serving"] as? Bool == true)
            #expect(demo.log.contains("a parameter name or value of 1073741824 bytes"), "\(demo.log)")
            #expect(demo.isRunning)
        }
    }

    @Test(
        "an app package that depends on Hyper is checked in its release build; one linked to hide OS_Read refuses to start"
    )
    func separateAppPackage() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let fixture = scratch.file("GuardedApp")
        try FileManager.default.copyItem(atPath: ProjectPaths.root + "/Tests/Fixtures/GuardedApp", toPath: fixture)
        let manifest = fixture + "/Package.swift"
        let root = URL(fileURLWithPath: ProjectPaths.root)
        try String(contentsOfFile: manifest, encoding: .utf8)
            .replacingOccurrences(of: "HYPER_PACKAGE_PATH", with: root.path)
            .replacingOccurrences(of: "HYPER_PACKAGE_ID", with: root.lastPathComponent.lowercased())
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        // A build loads both cores: never beside the browser test or the latency tests.
        let (status, buildLog) = try await MachineLock.exclusively {
            try await DedicatedThread.run {
                let build = try ChildProcess(
                    "/usr/bin/env", ["swift", "build", "-c", "release", "--package-path", fixture],
                    outputPath: scratch.file("build.out"), errorPath: scratch.file("build.err"))
                let status = build.waitForExit(within: .seconds(900))
                if status == nil { build.stop() }
                return (status, build.output + build.errors)
            }
        }
        guard status == 0 else {
            Issue.record("the fixture did not build: \(buildLog)")
            return
        }
        let products = fixture + "/.build/release"

        try await MachineLock.exclusively {
            #expect(try Self.exportedReadGate(in: products + "/GuardedApp", scratch: scratch)?.contains(" T ") == true)
            let socket = scratch.file("guarded.sock")
            let guarded = try ChildProcess(
                products + "/GuardedApp", [socket], outputPath: scratch.file("guarded.out"),
                errorPath: scratch.file("guarded.log"))
            defer { guarded.stop() }
            #expect(eventually(within: .seconds(10)) { FileManager.default.fileExists(atPath: socket) })
            let report = try Self.sendOverflow(to: socket, scratch: scratch)
            #expect(report["closed"] as? Bool == true && report["still_serving"] as? Bool == true)
            #expect(guarded.errors.contains("a parameter name or value of 1073741824 bytes"), "\(guarded.errors)")

            #expect(try Self.exportedReadGate(in: products + "/UnguardedApp", scratch: scratch) == nil)
            let unguarded = try ChildProcess(
                products + "/UnguardedApp", [scratch.file("unguarded.sock")], outputPath: scratch.file("unguarded.out"),
                errorPath: scratch.file("unguarded.log"))
            defer { unguarded.stop() }
            #expect(unguarded.waitForExit(within: .seconds(10)) == 1)
            #expect(unguarded.errors.contains("libfcgi's OS_Read does not resolve to Hyper's input check"))
            #expect(unguarded.errors.split(separator: "\n").count == 1, "one line: \(unguarded.errors)")
        }
    }
}
