#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CArchive

/// The bytes of a pack archive as libarchive's tar reader gets them, decompressed here so that
/// the compressed stream is checked to its end: gzip with zlib (every member's CRC-32 and
/// length; nothing but another gzip member after one), zstd through libarchive's decoder
/// (frame checksums where present, a frame cut short, bytes after the last frame), a plain tar
/// as it is. After the tar's end-of-archive blocks only zero padding may follow (`checkEnd`).
///
/// libarchive itself does not check a gzip trailer, and stops reading at the end-of-archive
/// blocks, so a bad CRC or bytes appended to an archive would pass unseen. Used by one reader
/// at a time; it must outlive the libarchive handle it is opened with.
package final class ArchiveInput {
    package enum Kind: String, Sendable {
        case none, gzip, zstd
    }

    package let kind: Kind
    private let fd: Int32
    /// Compressed bytes read from the file, and decompressed bytes made.
    package private(set) var compressedBytes: Int64 = 0
    package private(set) var expandedBytes: Int64 = 0
    /// Why the stream is damaged (a bad CRC, a cut stream, bytes after its end); nil while intact.
    package private(set) var damage: String?

    static let chunk = 1 << 20
    /// The most zero padding allowed after the end-of-archive blocks (tar pads to its record size).
    static let maxPadding: Int64 = 1 << 20

    private let input: UnsafeMutableRawPointer
    private var inputStart = 0
    private var inputEnd = 0
    private var fileEnded = false
    /// Compressed bytes the gzip decoder has consumed.
    private var compressedPosition: Int64 = 0
    private var streamEnded = false
    /// Two output chunks used in turn: libarchive reads the one handed out while the other is
    /// kept, so the bytes it has not consumed at the tar's end are still here to check.
    private let outputs: [UnsafeMutableRawPointer]
    private var chunks: [(start: Int64, count: Int)] = [(0, 0), (0, 0)]
    private var turn = 0
    private var zlib: UnsafeMutablePointer<z_stream>?
    private var zstd: OpaquePointer?

    /// Reads the archive open at `fd` (from its current offset, the start).
    package init(fd: Int32) {
        self.fd = fd
        input = UnsafeMutableRawPointer.allocate(byteCount: Self.chunk, alignment: 16)
        outputs = [UnsafeMutableRawPointer.allocate(byteCount: Self.chunk, alignment: 16),
                   UnsafeMutableRawPointer.allocate(byteCount: Self.chunk, alignment: 16)]
        var magic = [UInt8](repeating: 0, count: 4)
        let got = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 4, 0) }
        if got >= 2, magic[0] == 0x1F, magic[1] == 0x8B {
            kind = .gzip
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            if inflateInit2_(stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) != Z_OK {
                damage = "cannot start the gzip decoder"
            }
            zlib = stream
        } else if got == 4, magic == [0x28, 0xB5, 0x2F, 0xFD] {
            kind = .zstd
            zstd = archive_read_new()
            if let zstd {
                archive_read_append_filter(zstd, ARCHIVE_FILTER_ZSTD)
                archive_read_support_format_raw(zstd)
                var entry: OpaquePointer?
                if archive_read_open_fd(zstd, fd, Int(Self.chunk)) != ARCHIVE_OK || archive_read_next_header(zstd, &entry) != ARCHIVE_OK {
                    // libarchive's zstd decoder reads ahead to open the stream: damage anywhere
                    // in a small one shows here, under a message about the format.
                    damage = "damaged zstd stream: it cannot be decompressed to its end (\(Self.errorText(zstd)))"
                }
            } else {
                damage = "cannot start the zstd decoder"
            }
        } else {
            kind = .none
        }
    }

    deinit {
        if let zlib {
            inflateEnd(zlib)
            zlib.deinitialize(count: 1)
            zlib.deallocate()
        }
        if let zstd { archive_read_free(zstd) }
        input.deallocate()
        outputs.forEach { $0.deallocate() }
    }

    /// Opens `archive` (a new libarchive read handle) as a tar read from this input: the tar
    /// format only, no filter (this input decompresses), nothing that runs an external program.
    package func open(_ archive: OpaquePointer) -> Bool {
        archive_read_support_format_tar(archive)
        return archive_read_open(archive, Unmanaged.passUnretained(self).toOpaque(), nil, { _, context, buffer in
            Unmanaged<ArchiveInput>.fromOpaque(context!).takeUnretainedValue().nextChunk(buffer!)
        }, nil) == ARCHIVE_OK
    }

    /// Hands libarchive the next decompressed chunk; 0 at the end, -1 when the stream is damaged.
    private func nextChunk(_ buffer: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        let next = turn ^ 1
        let count = fill(outputs[next], capacity: Self.chunk)
        buffer.pointee = UnsafeRawPointer(outputs[next])
        // Only a chunk with bytes takes the other buffer's place: the one before it stays kept.
        if count > 0 {
            turn = next
            chunks[turn] = (expandedBytes - Int64(count), count)
        }
        return count
    }

    /// After the tar's end-of-archive blocks, `consumed` decompressed bytes into the stream:
    /// what follows must be zero padding (at most `maxPadding` bytes), and the compressed
    /// stream must end intact. Why not, or nil.
    package func checkEnd(consumed: Int64) -> String? {
        if let damage { return damage }
        // The bytes handed out but not consumed are in the two chunks kept.
        var position = consumed
        for index in [turn ^ 1, turn] where chunks[index].count > 0 {
            let (start, count) = chunks[index]
            guard position < start + Int64(count) else { continue }
            guard position >= start else { return "cannot check the end of the archive" }
            let bytes = UnsafeRawBufferPointer(start: outputs[index] + Int(position - start), count: Int(start + Int64(count) - position))
            if bytes.contains(where: { $0 != 0 }) { return trailing(consumed) }
            position = start + Int64(count)
        }
        guard position == expandedBytes else { return "cannot check the end of the archive" }
        let scratch = outputs[turn ^ 1]
        while true {
            let count = fill(scratch, capacity: Self.chunk)
            if count < 0 { return damage }
            if count == 0 { break }
            if UnsafeRawBufferPointer(start: scratch, count: count).contains(where: { $0 != 0 }) { return trailing(consumed) }
            if expandedBytes - consumed > Self.maxPadding {
                return "more than \(Self.maxPadding) bytes of padding after the end of the archive"
            }
        }
        return nil
    }

    private func trailing(_ consumed: Int64) -> String {
        "bytes after the end of the archive (the tar ends at byte \(consumed) of the \(kind == .none ? "file" : "decompressed stream"))"
    }

    /// Up to `capacity` decompressed bytes into `out`: their count, 0 at the end of the stream,
    /// -1 when it is damaged (`damage` says why). Bytes that came out before the damage are
    /// returned first; the call after them returns -1.
    private func fill(_ out: UnsafeMutableRawPointer, capacity: Int) -> Int {
        if damage != nil { return -1 }
        let count: Int
        switch kind {
        case .none: count = readFile(into: out, capacity: capacity)
        case .gzip: count = inflate(into: out, capacity: capacity)
        case .zstd:
            let n = archive_read_data(zstd, out, capacity)
            if n < 0 { damage = "damaged zstd stream: \(Self.errorText(zstd))" }
            compressedBytes = archive_filter_bytes(zstd, -1)
            count = n
        }
        if count < 0 {
            if damage == nil { damage = "cannot read the archive: \(errnoText())" }
            return -1
        }
        expandedBytes += Int64(count)
        return count
    }

    /// Reads the file as it is (a plain tar).
    private func readFile(into out: UnsafeMutableRawPointer, capacity: Int) -> Int {
        while true {
            let n = read(fd, out, capacity)
            if n < 0, errno == EINTR { continue }
            if n > 0 { compressedBytes += Int64(n) }
            return n
        }
    }

    /// Refills the input buffer from the file once it is used up; false at the end of the file.
    private func refill() -> Bool {
        if inputStart < inputEnd { return true }
        if fileEnded { return false }
        let n = readFile(into: input, capacity: Self.chunk)
        if n < 0 {
            damage = "cannot read the archive: \(errnoText())"
            return false
        }
        inputStart = 0
        inputEnd = n
        if n == 0 { fileEnded = true }
        return n > 0
    }

    /// Inflates gzip members into `out`. zlib checks each member's CRC-32 and length; after a
    /// member only another one may follow.
    private func inflate(into out: UnsafeMutableRawPointer, capacity: Int) -> Int {
        guard let z = zlib else { return -1 }
        var produced = 0
        while produced < capacity {
            if streamEnded {
                // Another member, or the end of the file; anything else is appended bytes.
                guard refill() else { break }
                let next = input.advanced(by: inputStart).assumingMemoryBound(to: UInt8.self)
                if next[0] != 0x1F || (inputEnd - inputStart >= 2 && next[1] != 0x8B) {
                    damage = "bytes after the end of the gzip stream (from byte \(compressedPosition) of the file on)"
                    return produced > 0 ? produced : -1
                }
                guard inflateReset(z) == Z_OK else { damage = "cannot restart the gzip decoder"; return produced > 0 ? produced : -1 }
                streamEnded = false
            }
            guard refill() else {
                if damage == nil { damage = "the gzip stream is cut short: the file ends before the stream does" }
                return produced > 0 ? produced : -1
            }
            z.pointee.next_in = input.advanced(by: inputStart).assumingMemoryBound(to: Bytef.self)
            z.pointee.avail_in = uInt(inputEnd - inputStart)
            z.pointee.next_out = out.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
            z.pointee.avail_out = uInt(capacity - produced)
            let before = produced
            let status = CArchive.inflate(z, Z_NO_FLUSH)
            let used = (inputEnd - inputStart) - Int(z.pointee.avail_in)
            inputStart += used
            compressedPosition += Int64(used)
            produced = capacity - Int(z.pointee.avail_out)
            switch status {
            case Z_OK: continue
            case Z_STREAM_END: streamEnded = true
            case Z_BUF_ERROR where used > 0 || produced > before: continue
            default:
                let message = z.pointee.msg.map { String(cString: $0) } ?? "error \(status)"
                damage = "damaged gzip stream: \(message)" + (message.hasPrefix("incorrect data check") ? " (the CRC-32 does not match)" : "")
                // What came out before the damage is still read (and hashed); the damage is reported next.
                return produced > 0 ? produced : -1
            }
        }
        return produced
    }

    private static func errorText(_ archive: OpaquePointer?) -> String {
        archive.flatMap { archive_error_string($0) }.map { String(cString: $0) } ?? "unknown error"
    }
}
