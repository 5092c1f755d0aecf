import Foundation
import HyperTesting
import Testing

@Suite("RouteTablePlugin in a real build")
struct FixturePackageTests {
    /// The package's root folder, the one holding Package.swift.
    private static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        repeat {
            url.deleteLastPathComponent()
        } while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path)
        return url
    }()

    /// How long the fixture's build may take: it builds the generator and plans Hyper's dependencies.
    private static let buildTimeLimit: Duration = .seconds(300)

    @Test("two routes for one path and method fail `swift build` with an error naming the file")
    func conflictFailsTheBuild() async throws {
        let fixture = FileManager.default.temporaryDirectory.appendingPathComponent("RouteConflict-\(UUID())")
        defer { try? FileManager.default.removeItem(at: fixture) }
        try FileManager.default.copyItem(
            at: Self.packageRoot.appendingPathComponent("Tests/Fixtures/RouteConflict"), to: fixture)
        let manifest = fixture.appendingPathComponent("Package.swift")
        try String(contentsOf: manifest, encoding: .utf8)
            .replacingOccurrences(of: "HYPER_PACKAGE_PATH", with: Self.packageRoot.path)
            .replacingOccurrences(of: "HYPER_PACKAGE_ID", with: Self.packageRoot.lastPathComponent.lowercased())
            .write(to: manifest, atomically: true, encoding: .utf8)

        let (status, output) = try await Self.swiftBuild(in: fixture)

        #expect(status != 0, "the build succeeded:\n\(output)")
        let file = fixture.appendingPathComponent("Sources/ConflictApp/Routes/about/CompanyPage.swift").path
        #expect(
            output.contains(
                "\(file):4:1: error: two routes answer GET /about: AboutPage (about/AboutPage.swift) and "
                    + "CompanyPage (about/CompanyPage.swift)"),
            "\(output)")
    }

    /// Runs `swift build` in `folder`, stopping it after `buildTimeLimit`; returns its exit
    /// status and its standard output and error.
    private static func swiftBuild(in folder: URL) async throws -> (Int32, String) {
        let log = folder.appendingPathComponent("build.log")
        try Data().write(to: log)
        let logHandle = try FileHandle(forWritingTo: log)
        defer { try? logHandle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "build"]
        process.currentDirectoryURL = folder
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        let deadline = ContinuousClock.now + buildTimeLimit
        while process.isStillRunning {
            guard ContinuousClock.now < deadline else {
                process.terminate()
                _ = process.waitForEnd(within: .seconds(10))
                Issue.record("swift build took longer than \(buildTimeLimit)")
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return (process.endStatus ?? -1, try String(contentsOf: log, encoding: .utf8))
    }
}
