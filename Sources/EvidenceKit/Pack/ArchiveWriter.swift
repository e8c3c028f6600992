#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive

/// How a pack archive is compressed.
public enum Compression: String, Sendable, CaseIterable {
    case gzip, zstd, none

    /// The archive's file name ending.
    public var fileExtension: String {
        switch self {
        case .gzip: return ".tar.gz"
        case .zstd: return ".tar.zst"
        case .none: return ".tar"
        }
    }
}

/// Writes a folder as a deterministic tar archive through libarchive.
///
/// Identical folder contents give identical bytes: entries sorted by name, pax (ustar headers,
/// pax extended headers only where a name or size needs one), one fixed mtime, uid/gid 0, no
/// user or group names, modes 0644 for files and 0755 for folders. gzip is written here, not by
/// libarchive: the tar stream is compressed in fixed blocks on `workers` threads while it is
/// written (`ParallelGzip`), one plain gzip stream with no timestamp or name, the same bytes
/// whatever the number of workers.
public enum ArchiveWriter {
    static let fileMode: mode_t = 0o644
    static let folderMode: mode_t = 0o755
    private static let regularFile: UInt32 = 0o100000  // AE_IFREG is not imported into Swift
    private static let directory: UInt32 = 0o040000

    /// Writes `folder` as `archive`, its entries under `topFolder/`, via a temporary name renamed when complete.
    public static func write(
        folder: String, topFolder: String, to archive: String, compression: Compression, mtime: Int64,
        workers: Int? = nil, progress: ((Int) -> Void)? = nil
    ) throws(PackError) {
        let entries = try FileTree.walk(folder)
        for entry in entries {
            switch entry.kind {
            case .file, .directory: continue
            case .symlink: throw PackError(folder + "/" + entry.path, "is a symbolic link; a pack holds regular files only")
            case .other(let what): throw PackError(folder + "/" + entry.path, "is a \(what); a pack holds regular files only")
            }
        }
        // Sorted by the archive name; folders carry a trailing slash, so each precedes its contents.
        var members = [(name: topFolder + "/", entry: TreeEntry(path: "", kind: .directory, size: 0))]
        for entry in entries {
            members.append((topFolder + "/" + entry.path + (entry.kind == .directory ? "/" : ""), entry))
        }
        members.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }

        let (fd, temporary) = try FileWriter.temporary(beside: archive)
        TemporaryFiles.register(temporary)
        var finished = false
        defer {
            if !finished { unlink(temporary) }
            TemporaryFiles.unregister(temporary)
        }
        do {
            defer { close(fd) }
            try writeArchive(fd: fd, members: members, folder: folder, archive: archive, compression: compression, mtime: mtime, workers: workers, progress: progress)
            guard fchmod(fd, fileMode) == 0, fsync(fd) == 0 else { throw PackError(archive, "cannot write: \(errnoText())") }
        }
        guard rename(temporary, archive) == 0 else { throw PackError(archive, "cannot rename the finished archive into place: \(errnoText())") }
        finished = true
    }

    private static func writeArchive(
        fd: Int32, members: [(name: String, entry: TreeEntry)], folder: String, archive path: String,
        compression: Compression, mtime: Int64, workers: Int?, progress: ((Int) -> Void)?
    ) throws(PackError) {
        guard let a = archive_write_new() else { throw PackError(path, "libarchive: out of memory") }
        defer { archive_write_free(a) }
        var gzip: ParallelGzip?
        defer { gzip?.stop() }
        // A failed gzip write is reported by the compressor: libarchive only knows the callback failed.
        func reason(_ status: Int32) -> String { gzip?.failure ?? errorText(a, status: status) }
        func check(_ status: Int32, _ what: String) throws(PackError) {
            if status != ARCHIVE_OK {
                throw PackError(path, "\(what): \(reason(status))")
            }
        }
        try check(archive_write_set_format_pax_restricted(a), "cannot select the pax format")
        switch compression {
        case .gzip:
            try check(archive_write_add_filter_none(a), "cannot write an uncompressed archive")
            gzip = try ParallelGzip(fd: fd, path: path, workers: workers ?? FileHasher.defaultWorkers)
        case .zstd:
            try check(archive_write_add_filter_zstd(a), "zstd is not available in this libarchive")
        case .none:
            try check(archive_write_add_filter_none(a), "cannot write an uncompressed archive")
        }
        // The stream ends with the end-of-archive blocks: no padding of the last record, so a
        // compressed stream ends where the compressor ends.
        try check(archive_write_set_bytes_in_last_block(a, 1), "cannot set the block size")
        if let gzip {
            let client = Unmanaged.passUnretained(gzip).toOpaque()
            try check(archive_write_open(a, client, nil, { _, client, buffer, length in
                let gzip = Unmanaged<ParallelGzip>.fromOpaque(client!).takeUnretainedValue()
                return gzip.write(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : -1
            }, nil), "cannot open for writing")
        } else {
            try check(archive_write_open_fd(a, fd), "cannot open for writing")
        }

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: FileHasher.blockSize, alignment: 64)
        defer { buffer.deallocate() }
        for member in members {
            guard let entry = archive_entry_new() else { throw PackError(path, "libarchive: out of memory") }
            defer { archive_entry_free(entry) }
            archive_entry_set_pathname_utf8(entry, member.name)
            archive_entry_set_mtime(entry, time_t(mtime), 0)
            archive_entry_set_uid(entry, 0)
            archive_entry_set_gid(entry, 0)
            if member.entry.kind == .directory {
                archive_entry_set_filetype(entry, directory)
                archive_entry_set_perm(entry, folderMode)
                archive_entry_set_size(entry, 0)
                try check(archive_write_header(a, entry), "cannot write the entry \(member.name)")
                continue
            }
            let source = folder + "/" + member.entry.path
            let input = open(source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard input >= 0 else { throw PackError(source, "cannot open: \(errnoText())") }
            defer { close(input) }
            var info = stat()
            guard fstat(input, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw PackError(source, "not a regular file") }
            let size = Int64(info.st_size)
            archive_entry_set_filetype(entry, regularFile)
            archive_entry_set_perm(entry, fileMode)
            archive_entry_set_size(entry, size)
            try check(archive_write_header(a, entry), "cannot write the entry \(member.name)")
            var written: Int64 = 0
            while written < size {
                let n = read(input, buffer.baseAddress, min(buffer.count, Int(size - written)))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw PackError(source, "cannot read: \(errnoText())")
                }
                if n == 0 { throw PackError(source, "changed while it was being archived (shorter than \(size) bytes)") }
                let out = archive_write_data(a, buffer.baseAddress, n)
                if out != n {
                    throw PackError(path, "entry \(member.name): \(reason(Int32(truncatingIfNeeded: out)))")
                }
                written += Int64(n)
                progress?(n)
            }
        }
        try check(archive_write_close(a), "cannot finish the archive")
        try gzip?.finish()
    }

    /// libarchive's message with the system's reason ("Write error: No space left on device").
    static func errorText(_ a: OpaquePointer, status: Int32) -> String {
        let message = archive_error_string(a).map { String(cString: $0) } ?? "error \(status)"
        let code = archive_errno(a)
        guard code > 0 else { return message }
        let reason = errnoText(code)
        return message.contains(reason) ? message : "\(message): \(reason)"
    }
}
