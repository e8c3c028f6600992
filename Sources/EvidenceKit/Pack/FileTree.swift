#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Dispatch
import Synchronization
import SystemPackage

/// One thing found in a folder tree, named by its path relative to the tree's root.
struct TreeEntry: Sendable {
    enum Kind: Sendable, Equatable {
        case file
        case directory
        case symlink
        /// A device, fifo, socket or a name that is not UTF-8: never part of a pack.
        case other(String)
    }

    /// Relative, `/`-separated, no leading or trailing slash.
    var path: String
    var kind: Kind
    var size: Int64
    /// The names the file has (`st_nlink`) for a regular file; 1 for anything else.
    var linkCount: Int = 1
}

/// Walking folders and hashing files with plain POSIX calls: no links followed, large reads.
enum FileTree {
    /// Everything under `root`, sorted by the bytes of the path; links are reported, not followed.
    static func walk(_ root: String) throws(PackError) -> [TreeEntry] {
        var entries: [TreeEntry] = []
        try walk(root, relative: "", into: &entries)
        entries.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return entries
    }

    /// The bytes of the files under `root` (0 when it cannot be walked).
    static func totalSize(_ root: String) -> Int {
        Int(((try? walk(root)) ?? []).reduce(Int64(0)) { $0 + ($1.kind == .file ? $1.size : 0) })
    }

    private static func walk(_ root: String, relative: String, into entries: inout [TreeEntry]) throws(PackError) {
        let folder = relative.isEmpty ? root : root + "/" + relative
        guard let dir = opendir(folder) else { throw PackError(folder, "cannot open folder: \(errnoText())") }
        defer { closedir(dir) }
        var names: [String?] = []
        var rawNames: [[CChar]] = []
        while let item = readdir(dir) {
            let raw: [CChar] = withUnsafePointer(to: &item.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { Array(UnsafeBufferPointer(start: $0, count: strlen($0) + 1)) }
            }
            let name = raw.withUnsafeBufferPointer { String(validatingCString: $0.baseAddress!) }
            if name == "." || name == ".." { continue }
            names.append(name)
            rawNames.append(raw)
        }
        for (name, raw) in zip(names, rawNames) {
            guard let name else {
                let shown = String(decoding: raw.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
                entries.append(TreeEntry(path: join(relative, shown), kind: .other("name is not valid UTF-8"), size: 0))
                continue
            }
            let path = join(relative, name)
            var info = stat()
            guard lstat(root + "/" + path, &info) == 0 else { throw PackError(root + "/" + path, "cannot stat: \(errnoText())") }
            switch info.st_mode & S_IFMT {
            case S_IFREG: entries.append(TreeEntry(path: path, kind: .file, size: Int64(info.st_size), linkCount: Int(info.st_nlink)))
            case S_IFDIR:
                entries.append(TreeEntry(path: path, kind: .directory, size: 0))
                try walk(root, relative: path, into: &entries)
            case S_IFLNK: entries.append(TreeEntry(path: path, kind: .symlink, size: 0))
            case S_IFCHR: entries.append(TreeEntry(path: path, kind: .other("character device"), size: 0))
            case S_IFBLK: entries.append(TreeEntry(path: path, kind: .other("block device"), size: 0))
            case S_IFIFO: entries.append(TreeEntry(path: path, kind: .other("fifo"), size: 0))
            case S_IFSOCK: entries.append(TreeEntry(path: path, kind: .other("socket"), size: 0))
            default: entries.append(TreeEntry(path: path, kind: .other("unknown file type"), size: 0))
            }
        }
    }

    private static func join(_ base: String, _ name: String) -> String {
        base.isEmpty ? name : base + "/" + name
    }
}

/// The SHA-256 of a file, and its bytes when asked.
struct FileDigest: Sendable {
    var path: String
    var size: Int64
    var sha256: String
    var bytes: [UInt8]?
}

/// Hashes files in large blocks, on every core when there are several files.
enum FileHasher {
    /// Bytes read per `read(2)`.
    static let blockSize = 1 << 20

    /// The digest of one file; `keep` returns its bytes too. Links are not followed.
    static func digest(_ path: String, keep: Bool = false, buffer: UnsafeMutableRawBufferPointer, progress: ((Int) -> Void)? = nil) throws(PackError) -> FileDigest {
        let file: FileDescriptor
        do { file = try .open(path, .readOnly, options: [.noFollow, .closeOnExec]) } catch { throw PackError(path, "cannot open: \(error)") }
        defer { try? file.close() }
        let info: Stat
        do { info = try file.stat() } catch { throw PackError(path, "cannot stat: \(error)") }
        guard info.type == .regular else { throw PackError(path, "not a regular file") }
        var hasher = SHA256()
        var kept: [UInt8]? = keep ? [] : nil
        if keep { kept!.reserveCapacity(Int(info.size)) }
        var total: Int64 = 0
        while true {
            let n: Int
            do { n = try file.read(into: buffer) } catch { throw PackError(path, "cannot read: \(error)") }
            if n == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            hasher.update(bufferPointer: chunk)
            if keep { kept!.append(contentsOf: chunk) }
            total += Int64(n)
            progress?(n)
        }
        return FileDigest(path: path, size: total, sha256: Checksum.hex(hasher.finalize()), bytes: kept)
    }

    /// Digests of many files (absolute paths), in the order given, hashed on up to `workers` threads.
    static func digests(
        _ paths: [String], keep: @Sendable (String) -> Bool = { _ in false }, workers: Int = defaultWorkers,
        progress: (@Sendable (Int) -> Void)? = nil
    ) throws(PackError) -> [FileDigest] {
        try results(paths, keep: keep, workers: workers, progress: progress).map { result throws(PackError) in try result.get() }
    }

    /// Like `digests`, with each file's own outcome: one unreadable file does not hide the others.
    static func results(
        _ paths: [String], keep: @Sendable (String) -> Bool = { _ in false }, workers: Int = defaultWorkers,
        progress: (@Sendable (Int) -> Void)? = nil
    ) -> [Result<FileDigest, PackError>] {
        let results = Mutex<[Int: Result<FileDigest, PackError>]>([:])
        let next = Atomic<Int>(0)
        let count = min(max(1, workers), max(1, paths.count))
        DispatchQueue.concurrentPerform(iterations: count) { _ in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 64)
            defer { buffer.deallocate() }
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < paths.count else { return }
                let path = paths[index]
                let result: Result<FileDigest, PackError>
                do throws(PackError) { result = .success(try digest(path, keep: keep(path), buffer: buffer, progress: progress)) } catch { result = .failure(error) }
                results.withLock { $0[index] = result }
            }
        }
        let all = results.withLock { $0 }
        return paths.indices.map { all[$0]! }
    }

    static var defaultWorkers: Int { max(1, min(4, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }
}

func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
