import Foundation
import Testing

@testable import RouteTableGenerator

@Suite("RoutesFolder: the route files on disk")
struct RoutesFolderTests {
    @Test("every Swift file is a route file except under names starting with _ or .")
    func findsRouteFiles() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("RoutesFolderTests-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let routes = root + "/Routes"
        for relativePath in [
            "HomePage.swift", "_components/Layout.swift", "_Draft.swift", ".hidden/Secret.swift",
            "about/AboutPage.swift", "about/notes.md", "about/_parts/Team.swift", "users/{user_id}/UserPage.swift",
        ] {
            let path = routes + "/" + relativePath
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try "// \(relativePath)\n".write(toFile: path, atomically: true, encoding: .utf8)
        }
        let files = try RoutesFolder(path: routes).routeFiles()
        #expect(
            files == [
                RouteFile(relativePath: "HomePage.swift", in: routes, source: "// HomePage.swift\n"),
                RouteFile(relativePath: "about/AboutPage.swift", in: routes, source: "// about/AboutPage.swift\n"),
                RouteFile(
                    relativePath: "users/{user_id}/UserPage.swift", in: routes,
                    source: "// users/{user_id}/UserPage.swift\n"),
            ])
        #expect(files.last?.folders == ["users", "{user_id}"])
        #expect(files.last?.typeName == "UserPage")
        #expect(files.last?.path == routes + "/users/{user_id}/UserPage.swift")
    }

    @Test("a missing Routes folder is an error naming it")
    func missingFolder() {
        #expect(
            throws: RoutesFolderError(path: "/nonexistent/Routes", reason: "there is no such folder")
        ) {
            try RoutesFolder(path: "/nonexistent/Routes").routeFiles()
        }
        #expect(
            RoutesFolderError(path: "/nonexistent/Routes", reason: "there is no such folder").description
                == "/nonexistent/Routes: error: cannot read the Routes folder: there is no such folder")
    }
}
