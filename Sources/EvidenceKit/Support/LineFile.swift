import Crypto
import Foundation

/// Writing a file of lines through a temporary name beside it (`FileWriter.temporary`), renamed
/// when complete; the bytes are hashed as they are written, so the file is never read back.
/// Without a path the lines are only hashed.
public final class LineFile {
    private let fd: Int32?
    private let path: String
    private var buffer: [UInt8] = []
    private var hasher = SHA256()
    private var count = 0
    static let flushSize = 1 << 20

    private init(fd: Int32?, path: String) {
        self.fd = fd
        self.path = path
        buffer.reserveCapacity(Self.flushSize + 4096)
    }

    /// Writes the lines `body` appends to `path` (mode 0644, no fsync); returns the SHA-256
    /// and size of what was written. On an error the temporary file is removed. With a nil
    /// `path` nothing is written: the SHA-256 and size of what would be.
    public static func write(_ path: String?, _ body: (LineFile) throws -> Void) throws -> (sha256: String, bytes: Int) {
        guard let path else {
            let file = LineFile(fd: nil, path: "")
            try body(file)
            try file.flush()
            return (Checksum.hex(file.hasher.finalize()), file.count)
        }
        let (fd, temporary) = try FileWriter.temporary(beside: path)
        let file = LineFile(fd: fd, path: path)
        do {
            defer { close(fd) }
            try body(file)
            try file.flush()
            guard fchmod(fd, 0o644) == 0 else { throw PackError(path, "cannot set the file mode: \(errnoText())") }
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = PackError(path, "cannot write: \(errnoText())")
            unlink(temporary)
            throw error
        }
        return (Checksum.hex(file.hasher.finalize()), file.count)
    }

    /// Appends one line: `bytes` and a line feed.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= Self.flushSize { try flush() }
    }

    public func append(_ line: String) throws {
        var line = line
        try line.withUTF8 { bytes in try append(UnsafeRawBufferPointer(bytes)) }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { bytes in
            hasher.update(bufferPointer: bytes)
            if let fd { try FileWriter.writeAll(fd, bytes, path: path) }
        }
        count += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}
