#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive
import EvidenceKit
import Hummingbird

/// Reads one file of a pack that is not kept in memory, from the pack itself: an archive entry
/// through libarchive (a compressed tar cannot seek, so the stream is read from its start and the
/// entries before it are skipped), or a file of a pack folder opened part by part without
/// following links.
///
/// The pack is opened once and checked against the fingerprint of its index: a pack replaced
/// since is refused (`PackChanged`) rather than served under the old ETag. Used by one task at
/// a time: each `next()` runs on the blocking queue.
final class EntryStream: @unchecked Sendable {
    /// The pack on disk is not the one indexed.
    struct PackChanged: Error {}

    private enum Source {
        case archive(OpaquePointer, fd: Int32, input: ArchiveInput)
        case file(fd: Int32)
    }

    private var source: Source?
    /// Bytes of the entry still to skip before the range starts, and still to send.
    private var skip: Int
    private var remaining: Int
    private var position = 0
    static let chunkSize = 256 << 10

    /// Opens `path` of `pack` for the bytes in `range` (already clamped to the file).
    init(pack: PackIndex, path: String, size: Int, range: ClosedRange<Int>) throws {
        remaining = range.count
        switch pack.kind {
        case .folder:
            // A file seeks: read from the range's start.
            source = .file(fd: try Self.openInFolder(pack: pack, path: path, size: size))
            position = range.lowerBound
            skip = 0
        case .archive:
            source = try Self.openInArchive(pack: pack, path: path, size: size)
            skip = range.lowerBound
        }
    }

    deinit { close() }

    /// The next bytes of the range, or nil at its end.
    func next() throws -> ByteBuffer? {
        guard remaining > 0, let source else { return nil }
        switch source {
        case .file(let fd):
            let want = min(remaining, Self.chunkSize)
            var buffer = ByteBuffer()
            let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw -> Int in
                while true {
                    let n = pread(fd, raw.baseAddress, want, off_t(position))
                    if n < 0 && errno == EINTR { continue }
                    return n
                }
            }
            guard count > 0 else { throw PackChanged() }
            position += count
            remaining -= count
            return buffer
        case .archive(let archive, _, _):
            var out = ByteBuffer()
            out.reserveCapacity(min(remaining, Self.chunkSize))
            while remaining > 0 && out.readableBytes < Self.chunkSize {
                var block: UnsafeRawPointer?
                var length = 0
                var offset: la_int64_t = 0
                let status = archive_read_data_block(archive, &block, &length, &offset)
                if status == ARCHIVE_EOF { break }
                guard status == ARCHIVE_OK || status == ARCHIVE_WARN else { throw PackChanged() }
                guard length > 0, let block else { continue }
                var chunk = UnsafeRawBufferPointer(start: block, count: length)
                if skip > 0 {
                    let dropped = min(skip, chunk.count)
                    skip -= dropped
                    chunk = UnsafeRawBufferPointer(rebasing: chunk[dropped...])
                }
                let taken = min(remaining, chunk.count)
                if taken > 0 {
                    out.writeBytes(UnsafeRawBufferPointer(rebasing: chunk[..<taken]))
                    remaining -= taken
                }
            }
            guard out.readableBytes > 0 else { throw PackChanged() }
            return out
        }
    }

    func close() {
        switch source {
        case .archive(let archive, let fd, _):
            archive_read_free(archive)
            Glibc.close(fd)
        case .file(let fd):
            Glibc.close(fd)
        case nil:
            break
        }
        source = nil
    }

    /// Opens the folder, each folder on the way and the file with O_NOFOLLOW: a link anywhere fails.
    private static func openInFolder(pack: PackIndex, path: String, size: Int) throws -> Int32 {
        var fd = open(pack.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw PackChanged() }
        guard Fingerprint.of(descriptor: fd) == pack.fingerprint else {
            Glibc.close(fd)
            throw PackChanged()
        }
        let parts = path.split(separator: "/").map(String.init)
        for (index, part) in parts.enumerated() {
            let last = index == parts.count - 1
            let flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY)
            let child = openat(fd, part, flags)
            Glibc.close(fd)
            guard child >= 0 else { throw PackChanged() }
            fd = child
        }
        var info = stat()
        // One link only, as when the pack was read (FolderReader refuses a file with more): a
        // link made since means the pack changed; the file could now be a window onto another.
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_nlink == 1, Int(info.st_size) == size else {
            Glibc.close(fd)
            throw PackChanged()
        }
        return fd
    }

    /// Opens the archive and reads up to the entry's data; every other entry is skipped.
    private static func openInArchive(pack: PackIndex, path: String, size: Int) throws -> Source {
        let fd = open(pack.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw PackChanged() }
        guard Fingerprint.of(descriptor: fd) == pack.fingerprint, let archive = archive_read_new() else {
            Glibc.close(fd)
            throw PackChanged()
        }
        let wanted = pack.name + "/" + path
        // The formats and compressions `evpack verify` reads, and no others, decompressed the same way.
        guard let input = ArchiveReader.openStream(archive, fd: fd) else {
            archive_read_free(archive)
            Glibc.close(fd)
            throw PackChanged()
        }
        while true {
            var entry: OpaquePointer?
            let status = archive_read_next_header(archive, &entry)
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else { break }
            let name = archive_entry_pathname_utf8(entry).map { String(cString: $0) } ?? ""
            if ArchiveReader.nameParts(name).joined(separator: "/") == wanted {
                guard UInt32(archive_entry_filetype(entry)) == ArchiveReader.regularFile, archive_entry_size(entry) == Int64(size) else { break }
                return .archive(archive, fd: fd, input: input)
            }
            guard archive_read_data_skip(archive) == ARCHIVE_OK else { break }
        }
        archive_read_free(archive)
        Glibc.close(fd)
        throw PackChanged()
    }
}
