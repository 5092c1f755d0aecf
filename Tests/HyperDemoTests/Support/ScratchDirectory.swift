import Foundation

/// A temporary directory for one test, world-readable so that nginx's workers reach the
/// sockets in it, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/hyper-test.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestSupportError("cannot create a temporary directory") }
        path = String(cString: made)
        chmod(path, 0o755)
    }

    /// A path inside the directory.
    func file(_ name: String) -> String {
        path + "/" + name
    }

    /// The file's contents, empty if it does not exist yet.
    func read(_ name: String) -> String {
        (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? ""
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A failure of the test harness itself (not of the code under test).
struct TestSupportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = "HyperDemoTests: \(description)" }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
func eventually(within timeout: Duration, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        usleep(20_000)
    }
    return true
}
