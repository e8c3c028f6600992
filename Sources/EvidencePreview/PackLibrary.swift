#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import EvidenceKit
import Synchronization

/// The packs of one folder: pack folders (a folder holding `bagit.txt`) and archives (`.tar.gz`,
/// `.tar.zst`, `.tar`), each indexed once and again when it changes on disk.
///
/// The folder is listed anew for every listing, so packs added or removed while the server runs
/// show up; a pack's fingerprint (inode, size, modification time) is checked on every request,
/// and a changed pack is read again. Names starting with `.` (a build's temporary folders) and
/// symbolic links are never packs.
public final class PackLibrary: Sendable {
    /// The served folder, as given.
    public let folder: String
    let cache: CachePolicy
    let limits: VerifyLimits
    private let state = Mutex(State())

    private struct State {
        var slots: [String: Slot] = [:]
        /// Bytes held by ready indexes.
        var kept = 0
    }

    private enum Slot {
        case ready(PackIndex)
        case reading(Fingerprint, Task<PackIndex, Never>)
    }

    public init(folder: String, cache: CachePolicy = CachePolicy(), limits: VerifyLimits = VerifyLimits()) {
        self.folder = folder
        self.cache = cache
        self.limits = limits
    }

    /// Bytes of pack files held in memory now.
    public var keptBytes: Int { state.withLock { $0.kept } }

    /// Every pack in the folder now, newest first (by as-of, then name); packs without an as-of last.
    public func list() async -> [PackIndex] {
        let keys = Self.candidates(in: folder)
        var indexes: [PackIndex] = []
        await withTaskGroup(of: PackIndex?.self) { group in
            // At most two packs are read at once: reading is I/O and decompression on 2 cores.
            var pending = keys[...]
            for _ in 0..<2 {
                guard let key = pending.popFirst() else { break }
                group.addTask { await self.pack(key) }
            }
            for await index in group {
                if let index { indexes.append(index) }
                if let key = pending.popFirst() { group.addTask { await self.pack(key) } }
            }
        }
        let present = Set(keys)
        state.withLock { state in
            for (key, slot) in state.slots where !present.contains(key) {
                if case .ready(let index) = slot { state.kept -= index.keptBytes }
                state.slots[key] = nil
            }
        }
        // Each as-of parsed once, not in every comparison.
        return indexes.map { Dated(index: $0, asOf: $0.summary.asOf.flatMap { Instant(rfc3339: $0) }) }
            .sorted(by: Self.newestFirst)
            .map(\.index)
    }

    /// The pack named `key` in the folder, read again when it changed; nil when there is none.
    public func pack(_ key: String) async -> PackIndex? {
        if let index = unchanged(key) { return index }
        guard Self.isCandidateName(key) else { return nil }
        let path = folder + "/" + key
        guard let fingerprint = Fingerprint.of(path), Self.isPack(path: path, key: key, fingerprint: fingerprint) else {
            forget(key)
            return nil
        }
        enum Next {
            case ready(PackIndex)
            case wait(Task<PackIndex, Never>)
        }
        let next: Next = state.withLock { state in
            switch state.slots[key] {
            case .ready(let index) where index.fingerprint == fingerprint:
                return .ready(index)
            case .reading(let pending, let task) where pending == fingerprint:
                return .wait(task)
            case .ready(let old):
                state.kept -= old.keptBytes
            case .reading, nil:
                break
            }
            let budget = max(0, cache.budget - state.kept)
            let (policy, limits) = (cache, self.limits)
            let task = Task {
                await Blocking.run {
                    PackIndex.read(key: key, path: path, fingerprint: fingerprint, policy: policy, budget: budget, limits: limits)
                }
            }
            state.slots[key] = .reading(fingerprint, task)
            return .wait(task)
        }
        switch next {
        case .ready(let index):
            return index
        case .wait(let task):
            let index = await task.value
            state.withLock { state in
                if case .reading(let pending, _) = state.slots[key], pending == index.fingerprint {
                    state.slots[key] = .ready(index)
                    state.kept += index.keptBytes
                }
            }
            return index
        }
    }

    /// The common case, without suspending: the index of `key` when one is made and the pack is
    /// the same on disk (one lstat).
    func unchanged(_ key: String) -> PackIndex? {
        guard let index = current(key), Fingerprint.of(index.path) == index.fingerprint else { return nil }
        return index
    }

    /// The index already made for `key`, without looking at the disk.
    func current(_ key: String) -> PackIndex? {
        state.withLock { state in
            if case .ready(let index) = state.slots[key] { return index }
            return nil
        }
    }

    /// Drops the index of `key` (its pack changed under a request): the next request reads it again.
    func invalidate(_ key: String, ifStill index: PackIndex) {
        state.withLock { state in
            if case .ready(let current) = state.slots[key], current === index {
                state.kept -= current.keptBytes
                state.slots[key] = nil
            }
        }
    }

    private func forget(_ key: String) {
        state.withLock { state in
            if case .ready(let index) = state.slots[key] { state.kept -= index.keptBytes }
            state.slots[key] = nil
        }
    }

    /// `.tar.gz`, `.tar.zst`, `.tar`: the names `evpack build` gives its archives.
    static let archiveExtensions = Compression.allCases.map(\.fileExtension)

    /// A name that may be a pack: not hidden, not `~…`, no separator or control character.
    static func isCandidateName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "."), first != UInt8(ascii: "~") else { return false }
        return !name.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }
    }

    /// A folder holding `bagit.txt`, or a regular file named like an archive.
    static func isPack(path: String, key: String, fingerprint: Fingerprint) -> Bool {
        if fingerprint.isFolder {
            var info = stat()
            return lstat(path + "/" + BagIt.declarationFile, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }
        return archiveExtensions.contains { key.hasSuffix($0) && key.count > $0.count }
    }

    /// The names in `folder` that are packs, sorted.
    static func candidates(in folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let item = readdir(dir) {
            let name = withUnsafePointer(to: &item.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(validatingCString: $0) }
            }
            guard let name, isCandidateName(name) else { continue }
            let path = folder + "/" + name
            guard let fingerprint = Fingerprint.of(path), isPack(path: path, key: name, fingerprint: fingerprint) else { continue }
            names.append(name)
        }
        return names.sorted()
    }

    /// A pack and its as-of, parsed (nil when missing or not RFC 3339).
    struct Dated {
        var index: PackIndex
        var asOf: Instant?
    }

    /// Newest as-of first, then by name; packs without a readable as-of last.
    static func newestFirst(_ a: Dated, _ b: Dated) -> Bool {
        switch (a.asOf, b.asOf) {
        case let (x?, y?) where x != y: return x > y
        case (.some, nil): return true
        case (nil, .some): return false
        default:
            if a.index.name != b.index.name { return a.index.name < b.index.name }
            return a.index.key < b.index.key
        }
    }
}

/// Runs blocking work (reading a pack, libarchive, POSIX reads) off Swift's cooperative threads.
enum Blocking {
    private static let queue = DispatchQueue(label: "evpack.preview.io", qos: .userInitiated, attributes: .concurrent)

    static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
