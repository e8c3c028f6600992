import Foundation
import Hummingbird

/// Hummingbird's `FileProvider` over the packs of a `PackLibrary`: `/KEY/data/index.html` is
/// `data/index.html` of the pack named KEY in the served folder, read out of its archive.
///
/// Small files come from the pack's index in memory (no archive is opened per request; plain
/// GETs of them do not even reach here, see `PreviewMiddleware`); the others are streamed from
/// the pack on each request (`EntryStream`). Only files the pack's
/// manifests list, with matching content, have an identifier. `PreviewMiddleware` resolves the
/// pack first and hands it over in `PackRequest.pack`, so the bytes served are those of the very
/// index whose ETag was sent.
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
        /// Nil for a folder.
        let entry: PackEntry?
    }

    let library: PackLibrary

    public init(library: PackLibrary) {
        self.library = library
    }

    /// `path` is the request path after percent-decoding: `/KEY/inner/path`.
    public func getFileIdentifier(_ path: String) -> FileIdentifier? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.first == "" { parts.removeFirst() }
        if parts.last == "" { parts.removeLast() }
        guard parts.count >= 2, parts.allSatisfy({ PackLibrary.isCandidateName(String($0)) }) else { return nil }
        let key = String(parts[0])
        let inner = parts.dropFirst().joined(separator: "/")
        let resolved = PackRequest.pack
        guard let pack = resolved?.key == key ? resolved : library.current(key), pack.isServed else { return nil }
        if pack.directories.contains(inner) { return FileIdentifier(pack: pack, path: inner, entry: nil) }
        guard let entry = pack.entries[inner], entry.refusal == nil else { return nil }
        return FileIdentifier(pack: pack, path: inner, entry: entry)
    }

    public func getAttributes(id: FileIdentifier) async throws -> FileAttributes? {
        FileAttributes(isFolder: id.entry == nil, size: id.entry?.size ?? 0, modificationDate: id.pack.modificationDate)
    }

    public func loadFile(id: FileIdentifier, context: some RequestContext) async throws -> ResponseBody {
        guard let entry = id.entry else { throw HTTPError(.notFound) }
        if let bytes = entry.bytes { return ResponseBody(byteBuffer: bytes) }
        guard entry.size > 0 else { return ResponseBody() }
        return try await stream(id, entry: entry, range: 0...(entry.size - 1))
    }

    public func loadFile(id: FileIdentifier, range: ClosedRange<Int>, context: some RequestContext) async throws -> ResponseBody {
        guard let entry = id.entry else { throw HTTPError(.notFound) }
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

/// The pack `PreviewMiddleware` resolved for the request being handled.
public enum PackRequest {
    @TaskLocal public static var pack: PackIndex?
}
