import Foundation
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The pipeline's last stage, the only one that writes: the rendered files go into a
/// temporary hidden folder (`.evidence-….partial-<pid>`, a name that does not look like a
/// pack) as `data/`, then the bag files, the signature and the archive (`PackWriter.finish`),
/// and only then the folder is renamed into place, replacing an earlier pack of that name.
/// On any error the temporary folder is removed and nothing existing is touched.
public struct PackStage: PipelineStage {
    public typealias Failure = any Error
    /// The folder the pack goes into; made when missing.
    public var parent: URL
    public var options: PackOptions
    /// Bytes done and total while the bag is hashed and archived.
    public var progress: (@Sendable (Int, Int) -> Void)?

    public init(parent: URL, options: PackOptions, progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.parent = parent
        self.options = options
        self.progress = progress
    }

    public func run(_ pack: RenderedPack) throws -> PackResult {
        let name = pack.name
        let partial = parent.appendingPathComponent(".\(name).partial-\(getpid())")
        let fm = FileManager.default
        try PackFiles.makeFolders(parent.path)
        Self.removeLeftovers(of: name, in: parent)
        try PackFiles.makeFolders(partial.path)
        TemporaryFiles.register(partial.path, folder: true)
        var finished = false
        defer {
            if !finished { try? fm.removeItem(at: partial) }
            TemporaryFiles.unregister(partial.path)
        }

        // A file streamed out of the ledger is hashed as it is written: the manifest takes that
        // digest instead of reading the file again.
        let hashed = try Self.write(pack, into: partial.appendingPathComponent("data"))
        // The payload is read twice (hashed for the manifests, then archived), the files hashed
        // as they were written once: those count as read for the progress.
        let total = 2 * FileTree.totalSize(partial.appendingPathComponent("data").path)
        let done = Mutex(0)
        let advance: (@Sendable (Int) -> Void)? = progress.map { report in
            { @Sendable bytes in report(done.withLock { $0 += bytes; return $0 }, total) }
        }
        let result: PackResult
        do {
            result = try PackWriter.finish(folder: partial, name: name, info: pack.info, options: options, hashed: hashed, progress: advance)
        } catch {
            throw PackFiles.buildError(error)
        }
        finished = true
        return result
    }

    /// Writes the rendered files into `data`, which is created. A file streamed out of the
    /// ledger is hashed as it is written and must match the digest `evidence.xml` lists; those
    /// digests are returned, by path in the bag (`data/…`).
    @discardableResult
    public static func write(_ pack: RenderedPack, into data: URL) throws -> [String: String] {
        var hashed: [String: String] = [:]
        let files = PackFiles(root: data)
        try files.folder("")
        for folder in pack.folders { try files.folder(folder) }
        for file in pack.files {
            switch file.content {
            case .bytes(let bytes):
                try files.write(file.path, bytes)
            case .export(let export, let digest):
                let path = files.url(file.path).path
                let written: (sha256: String, bytes: Int)
                do {
                    written = try export.write(to: path)
                } catch let error as PackError {
                    throw PackFiles.buildError(error)
                } catch {
                    throw BuildError.cannotWrite(path: path, reason: "\(error)")
                }
                guard written.sha256 == digest.sha256, written.bytes == digest.bytes else {
                    throw BuildError.cannotWrite(path: path, reason: "the ledger changed while the pack was made (\(written.bytes) bytes, \(digest.bytes) expected)")
                }
                hashed[BagIt.payloadFolder + "/" + file.path] = written.sha256
            }
        }
        return hashed
    }

    /// Removes what an interrupted build of this pack left behind (hidden `.…partial…` names).
    static func removeLeftovers(of name: String, in parent: URL) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for entry in entries where entry.hasPrefix(".\(name).") && entry.contains(".partial") {
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(entry))
        }
    }
}

/// Writes the files of a pack under one root folder, with errors that name the file.
struct PackFiles {
    var root: URL

    func url(_ relative: String) -> URL { relative.isEmpty ? root : root.appendingPathComponent(relative) }

    func folder(_ relative: String) throws {
        try Self.makeFolders(url(relative).path)
    }

    /// Writes `bytes` to a new file (mode 0644), with an error that names the file and the reason.
    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let path = url(relative).path
        do {
            let file = try FileDescriptor.open(
                path, .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite, .groupRead, .otherRead])
            _ = try file.closeAfter { try file.writeAll(bytes) }
        } catch {
            throw BuildError.cannotWrite(path: path, reason: "\(error)")
        }
    }

    /// A write error as a build error about the same file; `BuildError` says "cannot write" itself.
    static func buildError(_ error: PackError) -> BuildError {
        let prefix = "cannot write: "
        let reason = error.reason.hasPrefix(prefix) ? String(error.reason.dropFirst(prefix.count)) : error.reason
        return .cannotWrite(path: error.path, reason: reason)
    }

    /// `mkdir -p`, with an error that names the folder and the reason.
    static func makeFolders(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) == 0 || errno == EEXIST {
                var info = stat()
                guard stat(current, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw BuildError.cannotWrite(path: current, reason: "not a folder")
                }
                continue
            }
            throw BuildError.cannotWrite(path: current, reason: String(cString: strerror(errno)))
        }
    }
}
