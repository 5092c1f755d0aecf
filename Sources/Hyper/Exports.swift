// Routes name HTTP methods, statuses and fields with swift-http-types; apps get them with Hyper.
@_exported import HTTPTypes
