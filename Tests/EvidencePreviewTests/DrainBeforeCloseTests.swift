@testable import EvidencePreview
import NIOCore
import NIOEmbedded
import Testing

/// The shutdown close waits for the response's bytes to reach the socket.
@Suite struct DrainBeforeCloseTests {
    /// Stands for a socket that has not taken the bytes yet: holds each write until released,
    /// and records the closes that reach it.
    final class SlowSocket: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = Any
        var held: [EventLoopPromise<Void>] = []
        var closes: [CloseMode] = []

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            held.append(promise ?? context.eventLoop.makePromise())
        }

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            closes.append(mode)
            context.close(mode: mode, promise: promise)
        }

        func release() {
            let promises = held
            held = []
            promises.forEach { $0.succeed(()) }
        }
    }

    @Test func aCloseWaitsForTheWritesBeforeIt() throws {
        let socket = SlowSocket()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(socket)
        try channel.pipeline.syncOperations.addHandler(DrainBeforeClose())
        channel.write(ByteBuffer(string: "the last chunk of a large file"), promise: nil)
        channel.write(ByteBuffer(string: "end"), promise: nil)
        channel.flush()
        let closed = channel.close()
        #expect(socket.held.count == 2)
        #expect(socket.closes.isEmpty, "the close waits while bytes are on their way")
        socket.release()
        #expect(socket.closes == [.all], "and goes on once they are written")
        try closed.wait()
    }

    @Test func aHalfCloseWhileWritingPassesStraightThrough() throws {
        let socket = SlowSocket()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(socket)
        try channel.pipeline.syncOperations.addHandler(DrainBeforeClose())
        channel.write(ByteBuffer(string: "x"), promise: nil)
        channel.close(mode: .output, promise: nil)
        #expect(socket.closes == [.output], "only a full close is held")
    }

    @Test func aCloseWithNothingPendingIsNotHeld() throws {
        let socket = SlowSocket()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(socket)
        try channel.pipeline.syncOperations.addHandler(DrainBeforeClose())
        channel.write(ByteBuffer(string: "x"), promise: nil)
        socket.release()
        try channel.close().wait()
        #expect(socket.closes == [.all])
    }
}
