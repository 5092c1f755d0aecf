import Foundation
import HyperTesting

/// Where the package, the demo binary and nginx are.
enum ProjectPaths {
    /// The package's root folder (the one holding Package.swift).
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        fatalError("LiveServer: no Package.swift above \(#filePath)")
    }()

    /// The `hyper-demo` of `build`; `make test` builds both before the tests.
    static func demoBinary(_ build: DemoBuild = .debug) throws -> String {
        let testBundleFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let folders =
            switch build {
            case .debug: [testBundleFolder, root + "/.build/debug"]
            case .release: [root + "/.build/release"]
            }
        for folder in folders {
            let candidate = folder + "/hyper-demo"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestSupportError("hyper-demo is not built: run `\(build.command)` first")
    }

    /// nginx from Debian's package.
    static func nginxBinary() throws -> String {
        for candidate in ["/usr/sbin/nginx", "/usr/bin/nginx"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw TestSupportError("nginx is not installed: run scripts/install-dependencies")
    }
}
