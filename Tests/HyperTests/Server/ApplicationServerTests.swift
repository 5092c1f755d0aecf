import Foundation
import Hyper
import Synchronization
import Testing

/// The server is a swift-service-lifecycle service: it runs in one `ServiceGroup` with the clients
/// the app runs beside it, and a graceful shutdown stops the server before them.
@Suite("ApplicationServer: the server as a service of the app's ServiceGroup")
struct ApplicationServerTests {
    /// A client the app runs beside its server, such as a database client: it notes whether the
    /// server's socket file still existed when it was told to stop.
    final class Client: Service {
        let socketPath: String
        let notes = Mutex<[String]>([])

        init(socketPath: String) {
            self.socketPath = socketPath
        }

        func run() async throws {
            notes.withLock { $0.append("started") }
            try await gracefulShutdown()
            let serving = FileManager.default.fileExists(atPath: socketPath)
            notes.withLock { $0.append(serving ? "stopped while the server listened" : "stopped after the server") }
        }
    }

    @Test("a graceful shutdown stops the server first, then the services beside it; the group ends without error")
    func serverStopsFirst() async throws {
        var template = Array("/tmp/hyper-lifecycle.XXXXXX".utf8CString)
        let folder = String(cString: try #require(mkdtemp(&template)))
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let socketPath = folder + "/app.sock"
        let client = Client(socketPath: socketPath)
        var services = Services()
        services.runBesideServer(client)
        var configuration = Application.Configuration(shutdownGracePeriod: .seconds(1))
        configuration.server.wireProtocol = .scgi
        configuration.server.initialThreads = 1
        let app = Application(
            router: Router(), configuration: configuration, services: services, logger: Logger(label: "test"))
        let group = app.serviceGroup(on: try .unix(path: socketPath), trapping: [])
        let running = Task { try await group.run() }

        let deadline = ContinuousClock.now + .seconds(10)
        while app.status == nil || client.notes.withLock({ $0.isEmpty }) {
            try #require(ContinuousClock.now < deadline, "the server did not start")
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(FileManager.default.fileExists(atPath: socketPath))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(client.notes.withLock { $0 } == ["started", "stopped after the server"])
    }
}
