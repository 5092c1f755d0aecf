import Foundation
import Testing

/// docs/GETTING-STARTED.md cannot go stale: its files are copied out of its text into a new
/// package that depends on this one by path, which is built, tested, and asked for `--help`.
@Suite("The getting-started guide compiles")
struct GettingStartedGuideTests {
    /// Each file of the guide: a line `**`path`**`, then a fenced block holding the file.
    static func files(inGuide text: String) throws -> [(path: String, contents: String)] {
        var files: [(path: String, contents: String)] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var index = 0
        while index < lines.count {
            defer { index += 1 }
            guard let match = lines[index].wholeMatch(of: #/\*\*`([^`]+)`\*\*/#) else { continue }
            var start = index + 1
            while start < lines.count && lines[start].isEmpty { start += 1 }
            guard start < lines.count, lines[start].hasPrefix("```") else {
                throw TestSupportError("\(match.1) in the guide is not followed by a fenced block")
            }
            guard let end = lines[(start + 1)...].firstIndex(where: { $0 == "```" }) else {
                throw TestSupportError("the block of \(match.1) in the guide does not end")
            }
            files.append((String(match.1), lines[(start + 1)..<end].joined(separator: "\n") + "\n"))
            index = end
        }
        return files
    }

    @Test("the files are found in the guide's text")
    func extraction() throws {
        let guide = try String(contentsOfFile: ProjectPaths.root + "/docs/GETTING-STARTED.md", encoding: .utf8)
        let paths = try Self.files(inGuide: guide).map(\.path)
        #expect(
            paths == [
                "Package.swift", "Sources/Poll/main.swift", "Sources/PollApp/Votes.swift",
                "Sources/PollApp/PollApp.swift", "Sources/PollApp/PollPage.swift", "Sources/PollApp/CastVote.swift",
                "Sources/PollApp/SignIn.swift", "Tests/PollAppTests/PollTests.swift",
            ])
        let readme = try String(contentsOfFile: ProjectPaths.root + "/README.md", encoding: .utf8)
        #expect(readme.contains("(docs/GETTING-STARTED.md)"), "the README links the guide")
        #expect(try Self.files(inGuide: readme).map(\.path) == ["Sources/Guestbook/main.swift"])
    }

    @Test(
        "the guide's package builds with the README's example app, its three tests pass, its command line has the server's flags"
    )
    func guidePackage() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let package = scratch.file("poll")
        let guide = try String(contentsOfFile: ProjectPaths.root + "/docs/GETTING-STARTED.md", encoding: .utf8)
        let root = URL(fileURLWithPath: ProjectPaths.root)
        let readme = try String(contentsOfFile: ProjectPaths.root + "/README.md", encoding: .utf8)
        let readmeApp = try #require(try Self.files(inGuide: readme).first, "the README's example app")
        for file in try Self.files(inGuide: guide) + [readmeApp] {
            var contents = file.contents
            if file.path == "Package.swift" {
                // The README's example app becomes a second executable of the guide's package.
                contents = contents.replacingOccurrences(
                    of: "    targets: [\n",
                    with:
                        "    targets: [\n        .executableTarget(name: \"Guestbook\", dependencies: [.product(name: \"Hyper\", package: \"hyper\")]),\n"
                )
                // The guide's sibling folder is named hyper; this copy's folder may not be.
                contents = contents.replacingOccurrences(
                    of: #".package(path: "../hyper")"#, with: #".package(path: "\#(root.path)")"#
                )
                .replacingOccurrences(
                    of: #"package: "hyper""#, with: #"package: "\#(root.lastPathComponent.lowercased())""#)
            }
            let url = URL(fileURLWithPath: package + "/" + file.path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, atomically: true, encoding: .utf8)
        }
        // A build loads both cores: never beside the browser test or the latency tests.
        let (status, log) = try await MachineLock.exclusively {
            try await DedicatedThread.run {
                let test = try ChildProcess(
                    "/bin/sh",
                    [
                        "-c",
                        #"swift build --build-tests --package-path "$0" && swift test --skip-build --package-path "$0""#,
                        package,
                    ],
                    outputPath: scratch.file("test.out"), errorPath: scratch.file("test.err"))
                let status = test.waitForExit(within: .seconds(1200))
                if status == nil { test.stop() }
                return (status, test.output + test.errors)
            }
        }
        #expect(status == 0, "\(log.suffix(4000))")
        #expect(log.contains("Test run with 3 tests"), "\(log.suffix(4000))")
        guard status == 0 else { return }

        let help = try ChildProcess(
            package + "/.build/debug/Poll", ["--help"], outputPath: scratch.file("help.out"),
            errorPath: scratch.file("help.err"))
        #expect(help.waitForExit(within: .seconds(30)) == 0)
        for flag in ["--socket", "--listen", "--protocol", "--max-threads", "--heartbeat", "--grace", "--question"] {
            #expect(help.output.contains(flag), "\(flag) in \(help.output)")
        }
    }
}
