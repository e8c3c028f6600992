#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation
import Synchronization

/// The temporary files and folders of this process (temporary ledgers, a build's partial pack
/// folder and archive), removed on every way out: when they are done with, at exit, and on
/// SIGINT, SIGTERM and SIGHUP. What a killed process (SIGKILL, a crash) leaves, the next run
/// clears: a temporary ledger's name holds its process id, and one whose process is gone is stale.
public enum TemporaryFiles {
    /// Registered paths; true for a folder.
    private static let registered = Mutex<[String: Bool]>([:])
    private static let sweep = Mutex(false)
    nonisolated(unsafe) private static var signalSources: [any DispatchSourceSignal] = []

    /// The name prefix of a temporary ledger: `evpack-ledger-<pid>-<uuid>.sqlite`.
    static let ledgerPrefix = "evpack-ledger-"

    /// A path for a new temporary ledger in `TMPDIR`, registered for removal with the files
    /// SQLite puts beside it. The first call clears the stale ledgers of dead evpack processes.
    static func ledgerPath() -> String {
        let folder = NSTemporaryDirectory()
        let first = sweep.withLock { done in
            defer { done = true }
            return !done
        }
        if first { removeStaleLedgers(in: folder) }
        let path = (folder.hasSuffix("/") ? folder : folder + "/") + "\(ledgerPrefix)\(getpid())-\(UUID().uuidString).sqlite"
        for file in ledgerFiles(path) { register(file) }
        return path
    }

    /// A ledger's file and those SQLite may put beside it.
    static func ledgerFiles(_ path: String) -> [String] {
        ["", "-wal", "-shm", "-journal"].map { path + $0 }
    }

    /// Removes `path` (a file, or a folder with `folder`) at exit or on a signal, unless it is
    /// unregistered first.
    static func register(_ path: String, folder: Bool = false) {
        registered.withLock { $0[path] = folder }
    }

    /// `path` is gone or kept on purpose: no longer removed at exit.
    static func unregister(_ path: String) {
        _ = registered.withLock { $0.removeValue(forKey: path) }
    }

    /// Removes every registered file and folder now: for the ways out of the process.
    public static func removeAll() {
        let paths = registered.withLock { paths in
            defer { paths.removeAll() }
            return paths
        }
        for (path, folder) in paths {
            if folder {
                try? FileManager.default.removeItem(atPath: path)
            } else {
                unlink(path)
            }
        }
    }

    /// On SIGINT, SIGTERM and SIGHUP: remove the registered files and exit with 128 + the
    /// signal's number. For a command's process only (not a test runner, not a server that
    /// stops on those signals itself).
    public static func removeOnSignals() {
        guard signalSources.isEmpty else { return }
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                removeAll()
                _exit(128 + number)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// Removes the temporary ledgers in `folder` whose process is gone: regular files of this
    /// user named `evpack-ledger-<pid>-…` where no process `pid` runs (another process may be
    /// using its own right now, so a live pid keeps its files).
    static func removeStaleLedgers(in folder: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        for name in names where name.hasPrefix(ledgerPrefix) && name.contains(".sqlite") {
            let rest = name.dropFirst(ledgerPrefix.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]), pid > 0, pid != getpid() else { continue }
            // ESRCH: no such process. EPERM means it runs (as another user): keep.
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            var info = stat()
            let path = base + name
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == getuid() else { continue }
            unlink(path)
        }
    }
}
