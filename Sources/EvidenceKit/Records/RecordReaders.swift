import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a records file is written.
public enum RecordFormat: String, Sendable, CaseIterable {
    case jsonl, csv

    /// The format a file name suggests: `.csv` is CSV, anything else JSON Lines.
    public static func guess(_ path: String) -> RecordFormat {
        path.lowercased().hasSuffix(".csv") ? .csv : .jsonl
    }
}

/// One records file to read (or its bytes, when they are already in memory).
public struct RecordSource: Sendable {
    public var path: String
    public var format: RecordFormat
    /// The kind of every row of a CSV file without a `kind` column.
    public var kind: RecordKind?
    /// The file's bytes when they come from memory, not from `path`.
    public var bytes: [UInt8]?
    /// A descriptor to read to its end instead of `path` (a pipe; the reader closes it).
    public var fileDescriptor: Int32?

    public init(path: String, format: RecordFormat? = nil, kind: RecordKind? = nil) {
        self.path = path
        self.format = format ?? RecordFormat.guess(path)
        self.kind = kind
    }

    /// Records already in memory; `name` stands for the file in messages.
    public init(name: String, bytes: [UInt8], format: RecordFormat = .jsonl) {
        self.path = name
        self.format = format
        self.bytes = bytes
    }

    /// Records read from a descriptor (a pipe fed while a pack is read); `name` stands for the file.
    public init(name: String, fileDescriptor: Int32, format: RecordFormat = .jsonl) {
        self.path = name
        self.format = format
        self.fileDescriptor = fileDescriptor
    }

    /// The size in bytes, for progress (0 when it cannot be known).
    public var size: Int {
        if let bytes { return bytes.count }
        if fileDescriptor != nil { return 0 }
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// The name rejects and packs use: the last path component, never an absolute path.
    public var displayName: String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

/// A file read in large chunks, with the SHA-256 of every byte read.
final class ChunkedFile {
    static let chunkSize = 4 << 20
    /// -1 when reading from `memory`.
    let fd: Int32
    /// The path (or name) that read errors name.
    let path: String
    private let memory: [UInt8]?
    private var memoryOffset = 0
    var buffer: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var start = 0
    var end = 0
    var atEOF = false
    var hasher = SHA256()
    /// Bytes read so far (for progress).
    private(set) var bytesRead = 0

    /// Reads a source: its bytes when it carries them, else its file.
    convenience init(source: RecordSource) throws(InputError) {
        if let bytes = source.bytes {
            self.init(memory: bytes, name: source.path)
        } else if let fd = source.fileDescriptor {
            self.init(descriptor: fd, name: source.path)
        } else {
            try self.init(path: source.path)
        }
    }

    init(descriptor: Int32, name: String) {
        fd = descriptor
        path = name
        memory = nil
        capacity = Self.chunkSize * 2
        buffer = .allocate(capacity: capacity)
    }

    init(memory: [UInt8], name: String) {
        fd = -1
        path = name
        self.memory = memory
        capacity = Self.chunkSize * 2
        buffer = .allocate(capacity: capacity)
    }

    init(path: String) throws(InputError) {
        self.path = path
        memory = nil
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        if fstat(fd, &info) != 0 || (info.st_mode & S_IFMT) != S_IFREG {
            close(fd)
            throw .cannotRead(path: path, reason: "not a regular file")
        }
        capacity = Self.chunkSize * 2
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
        if fd >= 0 { close(fd) }
    }

    /// Moves the unread bytes to the front and reads more; false at end of file.
    func fill() throws(InputError) -> Bool {
        if atEOF { return false }
        if start > 0 {
            if end > start { memmove(buffer, buffer + start, end - start) }
            end -= start
            start = 0
        }
        if end == capacity {
            // A single line or record larger than the buffer: grow (bounded by the callers).
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            bigger.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = bigger
            capacity *= 2
        }
        if let memory {
            let n = min(capacity - end, Self.chunkSize, memory.count - memoryOffset)
            if n == 0 { atEOF = true; return false }
            memory.withUnsafeBufferPointer { source in
                (buffer + end).update(from: source.baseAddress! + memoryOffset, count: n)
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer + end, count: n))
            memoryOffset += n
            end += n
            bytesRead += n
            return true
        }
        while true {
            let n = read(fd, buffer + end, min(capacity - end, Self.chunkSize))
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotRead(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { atEOF = true; return false }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer + end, count: n))
            end += n
            bytesRead += n
            return true
        }
    }

    /// Drops the bytes before `position` (they were consumed).
    func discard(upTo position: Int) { start = position }

    /// The lowercase hex SHA-256 of the whole file once it is read to the end.
    func finishDigest() -> String { Checksum.hex(hasher.finalize()) }
}

/// One line or record of a records file, as the readers hand it on.
enum RawRecord {
    /// A JSON Lines line (without its line break).
    case line(UnsafeBufferPointer<UInt8>)
    /// A CSV row's fields.
    case fields([String])
    /// Something that could not be read as a line or row; the reason names no content.
    case unreadable(String)
}

/// Splits JSON Lines: LF ends a line, a CR before it is dropped, a UTF-8 BOM at the start is
/// skipped, blank lines are skipped, and lines longer than `maxLineBytes` are reported
/// without being held in memory.
struct JSONLinesReader {
    static let maxLineBytes = 1 << 20

    static func read(_ file: ChunkedFile, _ body: (Int, RawRecord) throws -> Void, progress: (Int) -> Void) throws {
        var lineNumber = 0
        var skipping = false
        var filled = try file.fill()
        if file.end - file.start >= 3, file.buffer[0] == 0xEF, file.buffer[1] == 0xBB, file.buffer[2] == 0xBF {
            file.start = 3
        }
        let tooLong = RawRecord.unreadable("line longer than \(maxLineBytes / 1024) KiB")
        while true {
            progress(file.bytesRead)
            var position = file.start
            while position < file.end {
                guard let found = memchr(file.buffer + position, 0x0A, file.end - position) else { break }
                let newline = UnsafeMutablePointer(mutating: found.assumingMemoryBound(to: UInt8.self)) - file.buffer
                lineNumber += 1
                if skipping {
                    skipping = false
                    try body(lineNumber, tooLong)
                } else {
                    try emit(file, from: position, to: newline, lineNumber: lineNumber, body)
                }
                position = newline + 1
            }
            file.discard(upTo: position)
            if !filled {
                // End of file: a last line without a line break is still a line.
                if file.end > file.start || skipping {
                    lineNumber += 1
                    if skipping { try body(lineNumber, tooLong) } else { try emit(file, from: file.start, to: file.end, lineNumber: lineNumber, body) }
                }
                return
            }
            if file.end - file.start > maxLineBytes {
                // Keep nothing of an oversized line; report it when its end is found.
                skipping = true
                file.discard(upTo: file.end)
            }
            filled = try file.fill()
        }
    }

    private static func emit(_ file: ChunkedFile, from: Int, to: Int, lineNumber: Int, _ body: (Int, RawRecord) throws -> Void) throws {
        var end = to
        if end > from, file.buffer[end - 1] == 0x0D { end -= 1 }
        if end - from > maxLineBytes {
            try body(lineNumber, .unreadable("line longer than \(maxLineBytes / 1024) KiB"))
            return
        }
        var blank = true
        var i = from
        while i < end {
            let b = file.buffer[i]
            if b != 0x20, b != 0x09, b != 0x0D { blank = false; break }
            i += 1
        }
        if blank { return }
        try body(lineNumber, .line(UnsafeBufferPointer(start: file.buffer + from, count: end - from)))
    }
}

/// Reads RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks; a row
/// is numbered by the line it starts on, the header being line 1.
struct CSVReader {
    static let maxRecordBytes = 1 << 20

    enum Parse {
        case row([String], end: Int, lines: Int)
        case needMore
        case malformed(String, end: Int, lines: Int)
    }

    static func read(_ file: ChunkedFile, _ body: (Int, RawRecord) throws -> Void, progress: (Int) -> Void) throws {
        var lineNumber = 1
        var first = true
        _ = try file.fill()
        progress(file.bytesRead)
        while true {
            if first {
                if file.end - file.start >= 3, file.buffer[file.start] == 0xEF, file.buffer[file.start + 1] == 0xBB,
                   file.buffer[file.start + 2] == 0xBF {
                    file.start += 3
                }
                first = false
            }
            if file.start >= file.end {
                if !(try file.fill()) { return }
                progress(file.bytesRead)
                continue
            }
            let parsedAtEOF = file.atEOF
            switch parseRow(file.buffer, from: file.start, to: file.end, atEOF: parsedAtEOF) {
            case .row(let fields, let end, let lines):
                // A lone empty line is skipped (as in JSON Lines).
                if !(fields.count == 1 && fields[0].isEmpty) { try body(lineNumber, .fields(fields)) }
                lineNumber += lines
                file.discard(upTo: end)
            case .malformed(let reason, let end, let lines):
                try body(lineNumber, .unreadable(reason))
                lineNumber += lines
                file.discard(upTo: end)
            case .needMore:
                if file.end - file.start > maxRecordBytes {
                    // Skip the oversized row up to the next line break.
                    try body(lineNumber, .unreadable("row longer than \(maxRecordBytes / 1024) KiB"))
                    var skipped = 0
                    while true {
                        let remaining = file.end - file.start
                        if let found = memchr(file.buffer + file.start, 0x0A, remaining) {
                            let newline = UnsafeMutablePointer(mutating: found.assumingMemoryBound(to: UInt8.self)) - file.buffer
                            skipped += 1
                            file.discard(upTo: newline + 1)
                            break
                        }
                        file.discard(upTo: file.end)
                        if !(try file.fill()) { break }
                        progress(file.bytesRead)
                    }
                    lineNumber += skipped
                    continue
                }
                if !(try file.fill()) {
                    // The end of the file was found only now: parse the row once more knowing it
                    // (a closing quote as the file's last byte ends its field).
                    if !parsedAtEOF, file.atEOF { continue }
                    // End of file inside a quoted field.
                    try body(lineNumber, .unreadable("unterminated quoted field at the end of the file"))
                    return
                }
                progress(file.bytesRead)
            }
        }
    }

    /// Parses one row starting at `from`.
    static func parseRow(_ buffer: UnsafeMutablePointer<UInt8>, from: Int, to: Int, atEOF: Bool) -> Parse {
        var fields: [String] = []
        var field: [UInt8] = []
        var i = from
        var lines = 0
        var quoted = false
        var fieldStart = true
        var afterQuote = false
        var invalidUTF8 = false
        func finishField() {
            if let text = String(validating: field, as: UTF8.self) { fields.append(text) } else { invalidUTF8 = true; fields.append("") }
            field.removeAll(keepingCapacity: true)
            fieldStart = true
            afterQuote = false
        }
        while i < to {
            let byte = buffer[i]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if i + 1 < to {
                        if buffer[i + 1] == UInt8(ascii: "\"") { field.append(byte); i += 2; continue }
                        quoted = false
                        afterQuote = true
                        i += 1
                        continue
                    }
                    if !atEOF { return .needMore }
                    quoted = false
                    afterQuote = true
                    i += 1
                    continue
                }
                if byte == 0x0A { lines += 1 }
                field.append(byte)
                i += 1
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                finishField()
                i += 1
            case 0x0A:
                if field.last == 0x0D, !afterQuote { field.removeLast() }
                finishField()
                lines += 1
                if invalidUTF8 { return .malformed("invalid UTF-8", end: i + 1, lines: lines) }
                return .row(fields, end: i + 1, lines: lines)
            case UInt8(ascii: "\"") where fieldStart:
                quoted = true
                fieldStart = false
                i += 1
            default:
                if afterQuote, byte != 0x0D {
                    // Skip to the end of the line and report.
                    var j = i
                    while j < to, buffer[j] != 0x0A { j += 1 }
                    if j == to, !atEOF { return .needMore }
                    return .malformed("text after a closing quote", end: min(j + 1, to), lines: lines + (j < to ? 1 : 0))
                }
                fieldStart = false
                field.append(byte)
                i += 1
            }
        }
        if !atEOF || quoted { return .needMore }
        if field.last == 0x0D { field.removeLast() }
        finishField()
        if invalidUTF8 { return .malformed("invalid UTF-8", end: to, lines: 1) }
        return .row(fields, end: to, lines: 1)
    }
}
