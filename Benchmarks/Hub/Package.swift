// swift-tools-version:6.1
import PackageDescription

// The hub benchmark: publish cost with and without history, resuming, fan-out throughput and the
// memory of history and of subscribers, in one process; run by `make bench` (Benchmarks/run).
let package = Package(
    name: "HubBenchmark",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Hyper", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "HubBenchmark",
            dependencies: [.product(name: "Hyper", package: "Hyper")]
        )
    ]
)
