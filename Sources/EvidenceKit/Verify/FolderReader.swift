#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a pack folder: every file hashed (on all cores), links and devices reported, never
/// followed; a file with more than one hard link is reported too (its other name may lie outside
/// the pack), and hashed all the same.
enum FolderReader {
    static func read(_ root: String, keep: KeepPolicy, progress: ProgressSink?) throws(PackError) -> PackContents {
        let entries = try FileTree.walk(root)
        var contents = PackContents()
        var files: [TreeEntry] = []
        for entry in entries {
            contents.entryCount += 1
            if let problem = PathSafety.nameProblem(entry.path) {
                contents.safety.append(VerifyFailure(.safety, entry.path, problem))
            }
            switch entry.kind {
            case .file:
                if entry.linkCount > 1 {
                    contents.safety.append(VerifyFailure(
                        .safety, entry.path,
                        "has \(entry.linkCount) hard links: the same file has another name, perhaps outside the pack; "
                            + "a pack holds files with one link only"))
                }
                files.append(entry)
            case .directory: contents.directories.insert(entry.path)
            case .symlink:
                contents.safety.append(VerifyFailure(.safety, entry.path, "is a symbolic link; a pack holds regular files and folders only"))
            case .other(let what):
                contents.safety.append(VerifyFailure(.safety, entry.path, "is a \(what); a pack holds regular files and folders only"))
            }
        }
        progress?.start(total: files.reduce(0) { $0 + $1.size })
        var keptBytes: Int64 = 0
        var kept: Set<String> = []
        for file in files where keep.keeps(file.path, size: file.size, kept: keptBytes) {
            kept.insert(root + "/" + file.path)
            keptBytes += file.size
        }
        var advance: (@Sendable (Int) -> Void)?
        if let progress { advance = { progress.advance(Int64($0)) } }
        let results = FileHasher.results(files.map { root + "/" + $0.path }, keep: { [kept] in kept.contains($0) }, progress: advance)
        for (entry, result) in zip(files, results) {
            switch result {
            case .success(var digest):
                digest.path = entry.path
                contents.files[entry.path] = digest
                if let stream = keep.streams[entry.path] { feed(root + "/" + entry.path, to: stream) }
            case .failure(let error):
                contents.safety.append(VerifyFailure(.safety, entry.path, error.reason))
            }
        }
        return contents
    }

    /// Reads a file of the folder into a replay stream, in large blocks.
    static func feed(_ path: String, to stream: any ReplayStream) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress!, buffer.count)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return }
            stream.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }
}
