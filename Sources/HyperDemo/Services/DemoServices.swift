import Hyper
import Logging
import Synchronization

/// The demo's live services, shared by its routes, and the counts its leak test reads.
final class DemoServices: Sendable {
    static let shared = DemoServices()

    let notifications: NotificationService
    let chat: ChatService
    let statuses: StatusService
    private let application = Mutex<Application?>(nil)

    /// The services over in-memory hubs keeping the default history (`HubHistory.default`).
    init(logger: Logger = Logger(label: "hyper-demo.hub")) {
        notifications = NotificationService(hub: Hub(logger: logger))
        chat = ChatService(hub: Hub(logger: logger))
        statuses = StatusService(hub: Hub(logger: logger))
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
