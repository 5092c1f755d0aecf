import ServiceLifecycle

/// The values an app's routes share, such as a store, a hub or a database client, one per type:
/// registered on the `Application`, read from each `Request`. A test builds its application
/// with fresh ones, so no route needs a global.
///
/// ```swift
/// var services = Services()
/// services.register(PollStore())
/// let app = Application(router: router, services: services, logger: logger)
/// // in a route:
/// let store = try request.service(PollStore.self)
/// ```
///
/// A client that must run while the app serves (a swift-service-lifecycle `Service`, such as a
/// PostgreSQL hub store) is also given to `runBesideServer(_:)`: it then runs in the app's
/// `ServiceGroup` (`Application.serviceGroup(on:)`), and stops after the server on SIGTERM.
public struct Services: Sendable {
    private var values: [ObjectIdentifier: any Sendable] = [:]
    /// The services that run beside the server, in the order they were given.
    public private(set) var lifecycleServices: [any Service] = []

    public init() {}

    /// Runs `service` in the app's `ServiceGroup`, before the server in the group's order: it
    /// starts with the server and is shut down gracefully once the server has stopped. It does
    /// not register it for routes: `register(_:)` does that.
    public mutating func runBesideServer(_ service: any Service) {
        lifecycleServices.append(service)
    }

    /// Registers `service` under its type, replacing one registered before.
    public mutating func register<Service: Sendable>(_ service: Service) {
        values[ObjectIdentifier(Service.self)] = service
    }

    /// The service registered under `type`, if any.
    public subscript<Service: Sendable>(_ type: Service.Type) -> Service? {
        values[ObjectIdentifier(type)] as? Service
    }
}

/// A route asked for a service its application does not have: answered 500, logged naming it.
public struct MissingServiceError: Error, Equatable, CustomStringConvertible {
    /// The type asked for.
    public let typeName: String

    public init(typeName: String) {
        self.typeName = typeName
    }

    public var description: String {
        "no service of type \(typeName) is registered on the application"
    }
}

extension Request {
    /// The service of `type` registered on the application serving this request; throws
    /// `MissingServiceError` when there is none.
    public func service<Service: Sendable>(_ type: Service.Type) throws -> Service {
        guard let service = services[type] else { throw MissingServiceError(typeName: String(reflecting: type)) }
        return service
    }
}
