// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Hyper",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Hyper", targets: ["Hyper"]),
        .library(name: "HyperTesting", targets: ["HyperTesting"]),
        .library(name: "HyperPostgres", targets: ["HyperPostgres"]),
        .executable(name: "hyper-demo", targets: ["HyperDemo"]),
        .plugin(name: "RouteTablePlugin", targets: ["RouteTablePlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.27.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
    ],
    targets: [
        // libfcgi from Debian's libfcgi-dev: the C FastCGI library we build on.
        .systemLibrary(
            name: "CFastCGI",
            pkgConfig: "fcgi",
            providers: [.apt(["libfcgi-dev"])]
        ),
        // OpenSSL's libcrypto from Debian's libssl-dev, for SHA-256: a system library, so an app
        // builds no cryptography of its own.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // What must be written in C: the replacement of libfcgi's OS_Read, signal handlers.
        .target(name: "CHyperSystem"),
        // The transports under one seam, shared by FastCGI (FastCGI/: the record codec, the input
        // check, the only code calling FCGX_*) and SCGI (SCGI/, parsed in Swift): Server/ (the
        // listening socket, the request threads, signals, systemd) and Responses/ (the channel a
        // route's task writes into, its state machine, the stream pump).
        .target(
            name: "HyperTransport",
            dependencies: [
                "CFastCGI",
                "CHyperSystem",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The framework, served as a swift-service-lifecycle service: Application/ (the app and its
        // services), Server/ (serving, shutdown, the command line, the open streams),
        // Observability/ (access log, status page), Routing/, Requests/, Responses/, HTML/, Pages/,
        // Events/ (Server-Sent Events), Hub/ (live topics), Identity/ (sessions, CSRF, access rules).
        .target(
            name: "Hyper",
            dependencies: [
                "HyperTransport",
                "CLibCrypto",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // What an app's tests import: an in-process client and an event-stream reader.
        .target(name: "HyperTesting", dependencies: ["Hyper"]),
        // Live topics shared by several instances through PostgreSQL: its own module, so apps without a
        // database do not build postgres-nio.
        .target(
            name: "HyperPostgres",
            dependencies: [
                "Hyper",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // File-based routing: the generator turns an app's Routes/ folder tree into its route table,
        // run by the build-tool plugin on each target that adopts it. No package dependencies.
        .executableTarget(name: "RouteTableGenerator"),
        .plugin(name: "RouteTablePlugin", capability: .buildTool(), dependencies: ["RouteTableGenerator"]),
        // The demo app, served as `hyper-demo`; its sign-in checks bcrypt password hashes.
        .executableTarget(
            name: "HyperDemo",
            dependencies: [
                "Hyper", "HyperPostgres", .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            plugins: ["RouteTablePlugin"]
        ),
        // Unit tests, in the folders of the module they test.
        .testTarget(name: "HyperTransportTests", dependencies: ["HyperTransport"]),
        .testTarget(name: "HyperTests", dependencies: ["Hyper", "HyperTesting"]),
        .testTarget(name: "HyperPostgresTests", dependencies: ["HyperPostgres", "Hyper"]),
        .testTarget(
            name: "HyperDemoTests", dependencies: ["HyperDemo", "Hyper", "HyperTesting", "HyperTransport"],
            exclude: ["Fixtures"]),
        // Also builds the fixture packages under Tests/Fixtures/ (not a target) with `swift build`.
        .testTarget(name: "RouteTableGeneratorTests", dependencies: ["RouteTableGenerator", "HyperTesting"]),
    ]
)
