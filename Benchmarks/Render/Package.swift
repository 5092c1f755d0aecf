// swift-tools-version:6.1
import PackageDescription

// The render benchmark: one 1,000-row page rendered by Hyper's HTML, by swift-mustache and by a
// hand-written byte baseline, in one process; run by `make bench` (Benchmarks/run).
let package = Package(
    name: "RenderBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Hyper", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
        .package(url: "https://github.com/ordo-one/malloc-interposer.git", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "RenderBenchmark",
            dependencies: [
                .product(name: "Hyper", package: "Hyper"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ]
        )
    ]
)
