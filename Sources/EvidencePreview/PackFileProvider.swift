import Foundation
import Hummingbird

/// Hummingbird's `FileProvider` over the packs of a `PackLibrary`: `/KEY/data/index.html` is
/// `data/index.html` of the pack named KEY in the served folder, read out of its archive.
///
/// Small files come from the pack's index in memory (no archive is opened per request; plain
/// GETs of them do not even reach here, see `PreviewMiddleware`); the others are streamed from
/// the pack on each request (`EntryStream`). `PreviewMiddleware` resolves the request first (the
/// pack, and a file its manifests list, with matching content) and hands it over in
/// `PackRequest.file`, so the bytes served are those of the very index whose ETag was sent; the
/// provider serves nothing else.
public struct PackFileProvider: FileProvider {
    public struct FileAttributes: FileMiddlewareFileAttributes, Sendable {
        public let isFolder: Bool
        public let size: Int
        public let modificationDate: Date
    }

    public struct FileIdentifier: Sendable {
        let pack: PackIndex
        /// The path inside the pack.
        let path: String
        let entry: PackEntry
    }

    let library: PackLibrary

    public init(library: PackLibrary) {
        self.library = library
    }

    /// The file `PreviewMiddleware` resolved for this request, which `path` (`/KEY/inner/path`,
    /// the request's own) names: the gate parsed and checked it already. Nil when it resolved none.
    public func getFileIdentifier(_ path: String) -> FileIdentifier? {
        PackRequest.file
    }

    public func getAttributes(id: FileIdentifier) async throws -> FileAttributes? {
        FileAttributes(isFolder: false, size: id.entry.size, modificationDate: id.pack.modificationDate)
    }

    public func loadFile(id: FileIdentifier, context: some RequestContext) async throws -> ResponseBody {
        let entry = id.entry
        if let bytes = entry.bytes { return ResponseBody(byteBuffer: bytes) }
        guard entry.size > 0 else { return ResponseBody() }
        return try await stream(id, entry: entry, range: 0...(entry.size - 1))
    }

    public func loadFile(id: FileIdentifier, range: ClosedRange<Int>, context: some RequestContext) async throws -> ResponseBody {
        let entry = id.entry
        guard entry.size > 0, range.lowerBound < entry.size else { throw HTTPError(.rangeNotSatisfiable) }
        let clamped = range.clamped(to: 0...(entry.size - 1))
        if let bytes = entry.bytes, let slice = bytes.getSlice(at: bytes.readerIndex + clamped.lowerBound, length: clamped.count) {
            return ResponseBody(byteBuffer: slice)
        }
        return try await stream(id, entry: entry, range: clamped)
    }

    /// Opens the pack before the response starts (a replaced pack is a 503 and a fresh index,
    /// not a broken body), then writes its bytes chunk by chunk.
    private func stream(_ id: FileIdentifier, entry: PackEntry, range: ClosedRange<Int>) async throws -> ResponseBody {
        let stream: EntryStream
        do {
            stream = try await Blocking.run { try EntryStream(pack: id.pack, path: id.path, size: entry.size, range: range) }
        } catch {
            library.invalidate(id.pack.key, ifStill: id.pack)
            throw HTTPError(.serviceUnavailable, message: "the pack changed on disk while it was being read; reload the page")
        }
        return ResponseBody(contentLength: range.count) { writer in
            defer { stream.close() }
            while let chunk = try await Blocking.run({ try stream.next() }) {
                try await writer.write(chunk)
            }
            try await writer.finish(nil)
        }
    }
}

/// The pack file `PreviewMiddleware` resolved for the request being handled.
public enum PackRequest {
    @TaskLocal public static var file: PackFileProvider.FileIdentifier?
}
