// swift-tools-version:6.1
import PackageDescription

// A test fixture, not a package to build where it is: an app with two pages for GET /about.
// RouteTableGeneratorTests builds a copy, with HYPER_PACKAGE_PATH and HYPER_PACKAGE_ID replaced by
// the Hyper package's folder and identity, and expects the build to fail naming CompanyPage.swift.
let package = Package(
    name: "RouteConflict",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "HYPER_PACKAGE_PATH")],
    targets: [
        .executableTarget(
            name: "ConflictApp",
            dependencies: [.product(name: "Hyper", package: "HYPER_PACKAGE_ID")],
            plugins: [.plugin(name: "RouteTablePlugin", package: "HYPER_PACKAGE_ID")]
        )
    ]
)
