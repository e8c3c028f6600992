#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive
import Crypto

/// Reads a pack archive as one stream through libarchive, hashing each entry as it passes:
/// nothing is extracted, nothing is written to disk.
///
/// Every entry is judged before its data is read: its name (absolute, `..`, control
/// characters), its type (links, devices, fifos, sparse files), its top folder, duplicates, and
/// the size limits; while data flows, the decompression ratio. A limit or a corrupt stream
/// stops the reading (`complete` is false) — the failures found so far are all reported.
package enum ArchiveReader {
    /// An entry's `archive_entry_filetype` for a regular file (`AE_IFREG` is not imported into Swift).
    package static let regularFile: UInt32 = 0o100000
    private static let directory: UInt32 = 0o040000
    private static let typeNames: [UInt32: String] = [
        0o120000: "symbolic link", 0o020000: "character device", 0o060000: "block device",
        0o010000: "fifo", 0o140000: "socket",
    ]

    static func read(_ path: String, keep: KeepPolicy, limits: VerifyLimits, progress: ProgressSink?) throws(PackError) -> PackContents {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PackError(path, "cannot open: \(errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw PackError(path, "cannot stat: \(errnoText())") }
        guard let a = archive_read_new() else { throw PackError(path, "libarchive: out of memory") }
        defer { archive_read_free(a) }

        let input = ArchiveInput(fd: fd)
        var reader = StreamState(archive: a, input: input, pack: path, keep: keep, limits: limits, progress: progress)
        progress?.start(total: Int64(info.st_size))
        guard input.open(a) else {
            reader.stop(path, "not a readable tar archive: \(reader.errorText)")
            return reader.contents
        }
        reader.run()
        progress?.finish()
        return withExtendedLifetime(input) { reader.contents }
    }

    /// Opens the pack archive `fd` for reading with `archive` (from `archive_read_new`), as every
    /// reader of a pack does: tar, compressed with what a pack is written with (gzip, zstd) or not
    /// at all, and nothing else — no other format, and no filter that runs an external program.
    /// The stream is decompressed by the `ArchiveInput` returned, which must outlive `archive`;
    /// nil when libarchive cannot read it (`archive_error_string` says why).
    package static func openStream(_ archive: OpaquePointer, fd: Int32) -> ArchiveInput? {
        let input = ArchiveInput(fd: fd)
        return input.open(archive) ? input : nil
    }

    /// The parts of an entry's name: split at `/`, empty and `.` parts dropped (`./top//a` is
    /// `top`, `a`); the first part is the top folder.
    package static func nameParts(_ name: String) -> [Substring] {
        name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    }

    /// The state of one pass over an archive.
    private struct StreamState {
        let archive: OpaquePointer
        let input: ArchiveInput
        let pack: String
        let keep: KeepPolicy
        let limits: VerifyLimits
        let progress: ProgressSink?
        var contents = PackContents()
        var tops: [String] = []
        var seen: Set<String> = []
        var total: Int64 = 0
        var keptBytes: Int64 = 0

        init(archive: OpaquePointer, input: ArchiveInput, pack: String, keep: KeepPolicy, limits: VerifyLimits, progress: ProgressSink?) {
            self.archive = archive
            self.input = input
            self.pack = pack
            self.keep = keep
            self.limits = limits
            self.progress = progress
        }

        /// Why reading failed: the compressed stream's damage, else libarchive's message.
        var errorText: String {
            input.damage ?? archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
        }

        mutating func fail(_ file: String, _ reason: String) {
            contents.safety.append(VerifyFailure(.safety, file, reason))
        }

        mutating func stop(_ file: String, _ reason: String) {
            fail(file, reason + "; reading stopped here")
            contents.complete = false
        }

        mutating func run() {
            while true {
                var entry: OpaquePointer?
                let status = archive_read_next_header(archive, &entry)
                if contents.entryCount == 0, contents.compression == nil {
                    contents.compression = input.kind.rawValue
                }
                if status == ARCHIVE_EOF {
                    // The end-of-archive blocks: nothing but padding after them, and the
                    // compressed stream intact to its end (its CRC, nothing appended, not cut).
                    if let problem = input.checkEnd(consumed: archive_filter_bytes(archive, 0)) {
                        fail(pack, problem)
                    }
                    break
                }
                guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
                    stop(pack, contents.entryCount == 0 ? "not a readable tar archive: \(errorText)" : "archive is corrupt or truncated: \(errorText)")
                    return
                }
                contents.entryCount += 1
                if contents.entryCount > limits.maxEntries {
                    stop(pack, "more than \(limits.maxEntries) entries")
                    return
                }
                guard handle(entry) else { return }
            }
            if tops.count > 1 {
                fail(pack, "more than one top folder (\(tops.joined(separator: ", "))): a pack is one folder")
            }
        }

        /// Judges one entry and reads its data; false when reading must stop.
        mutating func handle(_ entry: OpaquePointer) -> Bool {
            let rawName = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
            let utf8Name = archive_entry_pathname_utf8(entry).map { String(cString: $0) }
            let name = utf8Name ?? rawName
            let type = UInt32(archive_entry_filetype(entry))
            var safe = true
            func unsafe(_ reason: String) {
                fail(name.isEmpty ? "(entry \(contents.entryCount))" : name, reason)
                safe = false
            }
            if name.isEmpty { unsafe("entry without a name") }
            if utf8Name == nil { unsafe("name is not UTF-8") }
            if let problem = PathSafety.nameProblem(name) { unsafe(problem) }
            if let target = archive_entry_hardlink(entry) {
                unsafe("is a hard link to \(String(cString: target)); a pack holds regular files and folders only")
            } else if let what = ArchiveReader.typeNames[type] {
                let target = archive_entry_symlink(entry).map { " to \(String(cString: $0))" } ?? ""
                unsafe("is a \(what)\(target); a pack holds regular files and folders only")
            } else if type != ArchiveReader.regularFile && type != ArchiveReader.directory {
                unsafe("has an unknown entry type (\(String(type, radix: 8)))")
            } else if archive_entry_sparse_count(entry) > 0 {
                unsafe("is a sparse file; a pack holds plain files only")
            }

            // Inside the bag: the name without its top folder, `.` and empty parts dropped.
            let parts = ArchiveReader.nameParts(name)
            var inner: String?
            if let top = parts.first, !name.hasPrefix("/") {
                let topName = String(top)
                if !tops.contains(topName) { tops.append(topName) }
                if contents.topFolder == nil { contents.topFolder = topName }
                if parts.count == 1, type != ArchiveReader.directory {
                    unsafe("is a file outside the pack's folder")
                }
                // Entries under a second top folder are reported once (below), not read as the bag.
                inner = parts.count > 1 && topName == tops[0] ? parts.dropFirst().joined(separator: "/") : nil
                let key = parts.joined(separator: "/")
                if !seen.insert(key).inserted { unsafe("duplicate entry: the name appears twice in the archive") }
            }

            let size = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : 0
            if size > limits.maxEntrySize {
                stop(name, "size \(size) bytes exceeds the limit of \(limits.maxEntrySize) bytes per entry")
                return false
            }
            total += max(0, size)
            if total > limits.maxTotalSize {
                stop(name, "entries add up to more than the limit of \(limits.maxTotalSize) bytes")
                return false
            }
            if type == ArchiveReader.directory {
                if safe, let inner { contents.directories.insert(inner) }
                return true
            }
            let keepBytes = safe && inner.map { keep.keeps($0, size: size, kept: keptBytes) } == true
            if keepBytes { keptBytes += size }
            let stream = safe ? inner.flatMap { keep.streams[$0] } : nil
            guard let digest = readData(name: name, size: size, keep: keepBytes, stream: stream) else { return false }
            if safe, type == ArchiveReader.regularFile, let inner {
                contents.files[inner] = FileDigest(path: inner, size: digest.size, sha256: digest.sha256, bytes: digest.bytes)
            }
            return true
        }

        /// Streams one entry's data through SHA-256; nil when reading must stop.
        mutating func readData(name: String, size: Int64, keep: Bool, stream: (any ReplayStream)?) -> FileDigest? {
            var hasher = SHA256()
            var kept: [UInt8]? = keep ? [] : nil
            if keep { kept!.reserveCapacity(Int(size)) }
            var read: Int64 = 0
            while true {
                var block: UnsafeRawPointer?
                var length = 0
                var offset: la_int64_t = 0
                let status = archive_read_data_block(archive, &block, &length, &offset)
                if status == ARCHIVE_EOF { break }
                guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
                    stop(name, "archive is corrupt or truncated: \(errorText)")
                    return nil
                }
                guard offset == read else {
                    stop(name, "has holes (a sparse entry); a pack holds plain files only")
                    return nil
                }
                if length > 0, let block {
                    let chunk = UnsafeRawBufferPointer(start: block, count: length)
                    hasher.update(bufferPointer: chunk)
                    if keep { kept!.append(contentsOf: chunk) }
                    stream?.write(chunk)
                    read += Int64(length)
                }
                guard checkRatio(name) else { return nil }
                progress?.set(input.compressedBytes)
            }
            return FileDigest(path: name, size: read, sha256: Checksum.hex(hasher.finalize()), bytes: kept)
        }

        /// False (and a failure) when the stream expands beyond the decompression ratio limit.
        mutating func checkRatio(_ name: String) -> Bool {
            guard input.kind != .none else { return true }
            let expanded = input.expandedBytes
            guard expanded > limits.ratioCheckAfter else { return true }
            let compressed = max(1, input.compressedBytes)
            let ratio = Double(expanded) / Double(compressed)
            if ratio > limits.maxCompressionRatio {
                stop(name, "decompression bomb: \(expanded) bytes came out of \(compressed) compressed bytes, a ratio over the limit of \(Int(limits.maxCompressionRatio)):1")
                return false
            }
            return true
        }
    }
}
