// swift-tools-version:6.1
import PackageDescription

// A test fixture, not a package to build where it is: a separate app that depends on Hyper, built
// twice. `guarded-app` is built as any app is and must have Hyper's check on libfcgi's input;
// `unguarded-app` is linked with a version script that hides its OS_Read, so libfcgi would read
// unchecked, and must refuse to start. HyperDemoTests builds a copy with `swift build -c release`,
// with HYPER_PACKAGE_PATH and HYPER_PACKAGE_ID replaced by the Hyper package's folder and identity.
let package = Package(
    name: "GuardedApp",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "HYPER_PACKAGE_PATH")],
    targets: [
        .target(name: "AppCore", dependencies: [.product(name: "Hyper", package: "HYPER_PACKAGE_ID")]),
        .executableTarget(name: "GuardedApp", dependencies: ["AppCore"]),
        .executableTarget(
            name: "UnguardedApp", dependencies: ["AppCore"],
            linkerSettings: [
                .unsafeFlags(["-Xlinker", "--version-script=\(Context.packageDirectory)/hide-os-read.map"])
            ]),
    ]
)
