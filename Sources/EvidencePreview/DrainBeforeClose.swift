import NIOCore

/// Lets the bytes of a response reach the client before its connection is closed at shutdown.
///
/// On graceful shutdown Hummingbird 2.28.1 closes a connection that is serving a response as
/// soon as it has written the response's end (`HTTPConnectionStateHandler`), and NIO fails the
/// writes still queued for the socket: a slow client loses the tail of a large file. This
/// handler sits between the HTTP codec and that handler and holds such a close until every
/// write before it has reached the socket, for at most `limit`, so a client that stopped
/// reading cannot hold the server up.
final class DrainBeforeClose: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    static let limit = TimeAmount.seconds(30)

    private var pending = 0
    private var heldClose: EventLoopPromise<Void>?
    private var held = false
    private var deadline: Scheduled<Void>?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let written = promise ?? context.eventLoop.makePromise()
        pending += 1
        written.futureResult.assumeIsolated().whenComplete { _ in
            self.pending -= 1
            self.closeIfDrained(context)
        }
        context.write(data, promise: written)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all, pending > 0 else {
            context.close(mode: mode, promise: promise)
            return
        }
        if let promise {
            if let heldClose { heldClose.futureResult.cascade(to: promise) } else { heldClose = promise }
        }
        guard !held else { return }
        held = true
        context.flush()
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: Self.limit) {
            self.release(context)
        }
    }

    private func closeIfDrained(_ context: ChannelHandlerContext) {
        if held && pending == 0 { release(context) }
    }

    private func release(_ context: ChannelHandlerContext) {
        guard held else { return }
        held = false
        deadline?.cancel()
        deadline = nil
        let promise = heldClose
        heldClose = nil
        context.close(mode: .all, promise: promise)
    }
}
