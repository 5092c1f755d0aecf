// What an app names to serve, log and add its own flags comes with `import Hyper`:
// HTTP methods, statuses and fields (swift-http-types), `Logger` (swift-log), `@Option` and
// `ParsableCommand` (swift-argument-parser), and the serving types of the transport.
@_exported import ArgumentParser
@_exported import HTTPTypes
@_exported import Logging
@_exported import struct HyperTransport.ClientDisconnectedError
@_exported import struct HyperTransport.ListeningSocket
@_exported import enum HyperTransport.ListeningSocketError
@_exported import class HyperTransport.TransportServer
@_exported import enum HyperTransport.WireProtocol
