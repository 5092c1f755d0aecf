/// A build configuration of `hyper-demo` that tests run against: what people deploy is
/// `-c release` (docs/DEPLOYMENT.md), so security and protocol tests use that build.
enum DemoBuild: String, CaseIterable, CustomStringConvertible, Sendable {
    case debug
    case release
    /// `-c release --static-swift-stdlib`, in its own build folder.
    case releaseStaticStdlib

    /// The command that builds it (as `make test` runs it).
    var command: String {
        switch self {
        case .debug: "swift build --product hyper-demo"
        case .release: "swift build -c release --product hyper-demo"
        case .releaseStaticStdlib:
            "swift build -c release --static-swift-stdlib --scratch-path .build-static --product hyper-demo"
        }
    }

    var description: String { rawValue }
}
