// What an app names to serve, log and add its own flags comes with `import Hyper`:
// HTTP methods, statuses and fields (swift-http-types), `Logger` (swift-log), `@Option` and
// `ParsableCommand` (swift-argument-parser), `Service` and `ServiceGroup` (swift-service-lifecycle,
// for the clients an app runs beside its server), and the serving types of the transport.
@_exported import ArgumentParser
@_exported import HTTPTypes
@_exported import Logging
@_exported import protocol ServiceLifecycle.Service
@_exported import class ServiceLifecycle.ServiceGroup
@_exported import func ServiceLifecycle.gracefulShutdown
@_exported import struct HyperTransport.ClientDisconnectedError
@_exported import struct HyperTransport.ListeningSocket
@_exported import enum HyperTransport.ListeningSocketError
@_exported import class HyperTransport.TransportServer
@_exported import enum HyperTransport.WireProtocol
