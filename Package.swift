// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Hyper",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Hyper", targets: ["Hyper"]),
        .executable(name: "hyper-demo", targets: ["HyperDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    ],
    targets: [
        // libfcgi from Debian's libfcgi-dev: the C FastCGI library we build on.
        .systemLibrary(
            name: "CFastCGI",
            pkgConfig: "fcgi",
            providers: [.apt(["libfcgi-dev"])]
        ),
        // The FastCGI transport: sockets, request threads, libfcgi. The only module calling FCGX_*.
        .target(
            name: "HyperFastCGI",
            dependencies: [
                "CFastCGI",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The framework: requests, routing, HTML, responses, streaming.
        .target(
            name: "Hyper",
            dependencies: [
                "HyperFastCGI",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The demo app, served as `hyper-demo`.
        .executableTarget(
            name: "HyperDemo",
            dependencies: [
                "Hyper",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "HyperFastCGITests", dependencies: ["HyperFastCGI"]),
        .testTarget(name: "HyperTests", dependencies: ["Hyper"]),
        .testTarget(name: "HyperDemoTests", dependencies: ["HyperDemo", "Hyper"]),
    ]
)
