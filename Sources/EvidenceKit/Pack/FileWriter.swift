#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a reader sees either nothing or the whole file.
public enum FileWriter {
    /// A new hidden temporary file beside `path` (`.<name>.partial-XXXXXX`), opened for writing.
    static func temporary(beside path: String) throws(PackError) -> (fd: Int32, path: String) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(folder)/.\(name).partial-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw PackError(path, "cannot create a temporary file in \(folder): \(errnoText())") }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (fd, temporary)
    }

    /// Writes all of `bytes` to `fd`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(PackError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw PackError(path, "cannot write: \(errnoText())")
            }
            offset += n
        }
    }

    /// Appends `bytes` to `path` (made when missing) in one `write` per chunk, as
    /// `$GITHUB_STEP_SUMMARY` and similar files expect.
    public static func append(_ bytes: [UInt8], to path: String) throws(PackError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PackError(path, "cannot open to append: \(errnoText())") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { buffer in Result { () throws(PackError) in try writeAll(fd, buffer, path: path) } }
        try written.get()
    }

    /// Writes `bytes` to a temporary name beside `path`, then renames it to `path`.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, exclusive: Bool = false) throws(PackError) {
        let (fd, temporary) = try temporary(beside: path)
        var done = false
        defer {
            if !done { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            let written: Result<Void, PackError> = bytes.withUnsafeBytes { buffer in
                do throws(PackError) { try writeAll(fd, buffer, path: path); return .success(()) } catch { return .failure(error) }
            }
            try written.get()
            guard fchmod(fd, mode) == 0 else { throw PackError(path, "cannot set the file mode: \(errnoText())") }
            guard fsync(fd) == 0 else { throw PackError(path, "cannot write: \(errnoText())") }
        }
        if exclusive {
            // link(2) fails when the name exists: no overwrite, and no window with a partial file.
            guard link(temporary, path) == 0 else {
                let code = errno
                throw PackError(path, code == EEXIST ? "already exists; refusing to overwrite it" : "cannot write: \(errnoText(code))")
            }
            unlink(temporary)
        } else {
            guard rename(temporary, path) == 0 else { throw PackError(path, "cannot write: \(errnoText())") }
        }
        done = true
    }
}
