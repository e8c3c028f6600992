#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An input the tool cannot work with: exit 2, nothing written.
public indirect enum InputError: Error, CustomStringConvertible, Sendable {
    case cannotRead(path: String, reason: String)
    case invalidSnapshot(SnapshotError)
    case invalidOption(name: String, message: String)
    /// A value of the action's own options, or a combination of them, that cannot be used.
    case badOption([ActionOption], message: OptionText)
    /// A file named by an option cannot be read, for a reason that names options.
    case cannotReadFor(path: String, reason: OptionText)
    case records(IngestError)
    /// An output file that cannot be written (what failed is in `reason`).
    case cannotWrite(path: String, reason: String)

    /// The message, with each option of an action spelled by `spelling` (the CLI: `--records`).
    public func message(spelling: (ActionOption) -> String) -> String {
        switch self {
        case .cannotRead(let path, let reason): return "\(path): cannot read: \(reason)"
        case .invalidSnapshot(let error): return error.description
        case .invalidOption(let name, let message): return "\(name): \(message)"
        case .badOption(let options, let message): return options.map(spelling).joined(separator: "/") + ": " + message.spelled(spelling)
        case .cannotReadFor(let path, let reason): return "\(path): cannot read: \(reason.spelled(spelling))"
        case .records(let error): return error.description
        case .cannotWrite(let path, let reason): return "\(path): \(reason)"
        }
    }

    /// The message with the options' own names (`records`); people see `message(spelling:)`.
    public var description: String { message(spelling: \.rawValue) }

    /// A pack or file that cannot be read at all (it does not say "cannot read" twice).
    public init(_ error: PackError) {
        let prefix = "cannot read: "
        let reason = error.reason.hasPrefix(prefix) ? String(error.reason.dropFirst(prefix.count)) : error.reason
        self = .cannotRead(path: error.path, reason: reason)
    }
}

/// Reading whole input files.
public enum InputFile {
    /// The bytes of a file; a clear error when it is missing, a folder or unreadable.
    public static func read(_ path: String) throws(InputError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .cannotRead(path: path, reason: "not a regular file") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotRead(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { bytes.removeSubrange(offset...); break }
            offset += n
        }
        return bytes
    }

    public static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Reads and validates a snapshot file.
    public static func snapshot(_ path: String) throws(InputError) -> (snapshot: Snapshot, bytes: [UInt8]) {
        let bytes = try read(path)
        do {
            return (try SnapshotReader.read(bytes, file: path), bytes)
        } catch {
            throw .invalidSnapshot(error)
        }
    }
}
