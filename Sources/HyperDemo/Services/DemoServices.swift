import Hyper
import HyperPostgres
import Logging
import Synchronization

/// The demo's live services, shared by its routes, and the counts its leak test reads.
final class DemoServices: Sendable {
    static let shared = DemoServices(postgres: postgres.withLock { $0 })

    /// Where the hubs keep their topics when instances share them (`hyper-demo --postgres`); set
    /// before the first use of `shared`, nil for memory.
    static let postgres = Mutex<PostgresHubStore?>(nil)

    let notifications: NotificationService
    let chat: ChatService
    let statuses: StatusService
    private let application = Mutex<Application?>(nil)

    /// The services over hubs in `postgres`, or in memory keeping the default history
    /// (`HubHistory.default`).
    init(postgres: PostgresHubStore? = nil, logger: Logger = Logger(label: "hyper-demo.hub")) {
        if let postgres {
            notifications = NotificationService(
                hub: Hub(backend: postgres.backend(named: "notifications"), logger: logger))
            chat = ChatService(hub: Hub(backend: postgres.backend(named: "chat"), logger: logger))
            statuses = StatusService(hub: Hub(backend: postgres.backend(named: "status"), logger: logger))
        } else {
            notifications = NotificationService(hub: Hub(logger: logger))
            chat = ChatService(hub: Hub(logger: logger))
            statuses = StatusService(hub: Hub(logger: logger))
        }
    }

    /// Gives the services the running app, whose figures the dashboard and the counts show.
    func attach(_ app: Application) {
        application.withLock { $0 = app }
    }

    /// Route tasks running in the app, this request's included.
    var runningRouteTasks: Int {
        application.withLock { $0?.runningRouteTasks } ?? 0
    }

    /// Live subscriptions over every hub of the demo.
    var hubSubscriptions: Int {
        notifications.hub.subscriptionCount + chat.hub.subscriptionCount + statuses.hub.subscriptionCount
    }
}
