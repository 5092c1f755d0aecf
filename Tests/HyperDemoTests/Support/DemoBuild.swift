/// A build configuration of `hyper-demo` that tests run against. What people deploy is
/// `-c release --static-swift-stdlib` (docs/DEPLOYMENT.md), so security and protocol tests use
/// that build.
enum DemoBuild: String, CaseIterable, CustomStringConvertible, Sendable {
    case debug
    /// `-c release --static-swift-stdlib`, the build docs/DEPLOYMENT.md installs.
    case release

    /// The command that builds it (as `make test` runs it).
    var command: String {
        switch self {
        case .debug: "swift build --product hyper-demo"
        case .release: "swift build -c release --static-swift-stdlib --product hyper-demo"
        }
    }

    var description: String { rawValue }
}
