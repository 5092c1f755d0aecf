extension EventSink {
    /// Sends a hub message with its id, as `encode` makes it (its `id:` is set to the message's).
    /// The encoding is made once per message and kept for every other stream that sends it, so
    /// `encode` must depend on the event alone, never on the stream.
    public func send<Message>(
        _ event: HubEvent<Message>, encoding encode: (HubEvent<Message>) throws -> ServerSentEvent
    ) async throws {
        try await send(event, encodingAll: { [try encode($0)] })
    }

    /// Sends a hub message as several events written at once, as `encode` makes them: only the
    /// last carries the message's id, so a client that resumes has either all of them or none.
    /// Encoded once per message, as `send(_:encoding:)`.
    public func send<Message>(
        _ event: HubEvent<Message>, encodingAll encode: (HubEvent<Message>) throws -> [ServerSentEvent]
    ) async throws {
        let bytes = try event.encoding.bytes {
            var events = try encode(event)
            if let last = events.popLast() { events.append(try last.with(id: event.id.description)) }
            return events.flatMap(\.encoded)
        }
        try await write(bytes)
    }

    /// Sends a `reset` event: its data the reason's code, its id the position the stream carries
    /// on from. A page re-renders what shows the topic when it receives one.
    public func send(_ reset: HubReset) async throws {
        try await send(ServerSentEvent(event: "reset", data: reset.code, id: reset.resumeID.description))
    }

    /// Sends the position a stream starts from as an event with only an `id:` field: the browser
    /// dispatches nothing, but remembers the id as the one to send back when it reconnects.
    public func send(position: EventID) async throws {
        try await send(ServerSentEvent.position(position))
    }

    /// Sends every delivery of `subscription` until it ends: each message as `encode` makes it,
    /// with its id (encoded once for all streams), each reset as a `reset` event. The position
    /// the subscription starts from goes first, so a client that reconnects before the first
    /// message still resumes without a gap.
    public func relay<Message>(
        _ subscription: Hub<some Hashable & Sendable, Message>.Subscription,
        encoding encode: (HubEvent<Message>) throws -> ServerSentEvent
    ) async throws {
        try await send(position: subscription.start)
        for await delivery in subscription {
            switch delivery {
            case .event(let event): try await send(event, encoding: encode)
            case .reset(let reset): try await send(reset)
            }
        }
    }
}
