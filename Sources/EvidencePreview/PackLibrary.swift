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
///
/// Memory stays bounded whatever the folder holds (SPEC §7): packs are read one at a time; kept
/// file bytes stay within `CachePolicy.budget` and file lists within `indexBudget`, beyond which
/// the least recently used pack keeps only what the listing shows (`PackIndex.withoutFiles`)
/// and is read again when one of its files is asked for.
public final class PackLibrary: Sendable {
    /// The served folder, as given.
    public let folder: String
    let cache: CachePolicy
    let limits: VerifyLimits
    private let state = Mutex(State())

    private struct State {
        var slots: [String: Slot] = [:]
        /// Bytes of pack files held by ready indexes, and their cost with overhead.
        var kept = 0
        var cached = 0
        /// Bytes of the file lists of ready indexes.
        var listed = 0
        /// Counts uses, for "least recently used".
        var clock: UInt64 = 0

        mutating func hold(_ index: PackIndex) {
            kept += index.keptBytes
            cached += index.cacheCost
            listed += index.indexBytes
        }

        mutating func release(_ index: PackIndex) {
            kept -= index.keptBytes
            cached -= index.cacheCost
            listed -= index.indexBytes
        }

        mutating func tick() -> UInt64 {
            clock += 1
            return clock
        }

        /// Forgets the slot of `key` and what it held.
        mutating func remove(_ key: String) {
            if case .ready(let index, _) = slots[key] { release(index) }
            slots[key] = nil
        }

        /// Keeps only the listing's part of `key`'s index.
        mutating func dropFiles(_ key: String) {
            guard case .ready(let index, let used) = slots[key], !index.filesDropped else { return }
            release(index)
            let lean = index.withoutFiles()
            hold(lean)
            slots[key] = .ready(lean, lastUse: used)
        }

        /// Drops the file lists of the least recently used packs (never `key`'s, just read) while
        /// the lists exceed `allowance`; then `key`'s too if it alone exceeds it (the requests
        /// holding it finish with it).
        mutating func evict(allowance: Int, keeping key: String) {
            while listed > allowance {
                var victim: (key: String, used: UInt64)?
                for (other, slot) in slots where other != key {
                    if case .ready(let index, let used) = slot, !index.filesDropped, used < victim?.used ?? .max {
                        victim = (other, used)
                    }
                }
                guard let victim else { break }
                dropFiles(victim.key)
            }
            if listed > allowance { dropFiles(key) }
        }
    }

    private enum Slot {
        case ready(PackIndex, lastUse: UInt64)
        case reading(Fingerprint, Task<PackIndex, Never>)
    }

    /// What the preview reads of a pack: verify's limits, but at most `maxEntries` entries. A pack
    /// `evpack build` writes holds a few dozen; reading 100 000 names and digests would take
    /// about a hundred megabytes for a while, so a pack with more is listed and not served.
    public static let limits = VerifyLimits(maxEntries: maxEntries)
    public static let maxEntries = 10_000

    public init(folder: String, cache: CachePolicy = CachePolicy(), limits: VerifyLimits = PackLibrary.limits) {
        self.folder = folder
        self.cache = cache
        self.limits = limits
    }

    /// Bytes of pack files held in memory now.
    public var keptBytes: Int { state.withLock { $0.kept } }

    /// Bytes of file lists held in memory now.
    public var indexBytes: Int { state.withLock { $0.listed } }

    /// Every pack in the folder now, newest first (by as-of, then name); packs without an as-of last.
    public func list() async -> [PackIndex] {
        let keys = Self.candidates(in: folder)
        var indexes: [PackIndex] = []
        // One at a time: packs are read one at a time anyway (see `Blocking.read`).
        for key in keys {
            if let index = await pack(key, files: false) { indexes.append(index) }
        }
        let present = Set(keys)
        state.withLock { state in
            for key in state.slots.keys where !present.contains(key) { state.remove(key) }
        }
        // Each as-of parsed once, not in every comparison.
        return indexes.map { Dated(index: $0, asOf: $0.summary.asOf.flatMap { Instant(rfc3339: $0) }) }
            .sorted(by: Self.newestFirst)
            .map(\.index)
    }

    /// The pack named `key` in the folder with its files, read again when it changed (or when its
    /// files were dropped); nil when there is none.
    public func pack(_ key: String) async -> PackIndex? {
        await pack(key, files: true)
    }

    /// The pack named `key`; with `files` false an index whose files were dropped will do.
    func pack(_ key: String, files: Bool) async -> PackIndex? {
        if let index = unchanged(key, files: files) { return index }
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
            case .ready(let index, _) where index.fingerprint == fingerprint && (!files || !index.filesDropped):
                state.slots[key] = .ready(index, lastUse: state.tick())
                return .ready(index)
            case .reading(let pending, let task) where pending == fingerprint:
                return .wait(task)
            case .ready, .reading, nil:
                state.remove(key)
            }
            let budget = max(0, cache.budget - state.cached)
            let (policy, limits) = (cache, self.limits)
            let task = Task {
                await Blocking.read {
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
            let allowance = cache.indexBudget
            state.withLock { state in
                if case .reading(let pending, _) = state.slots[key], pending == index.fingerprint {
                    state.slots[key] = .ready(index, lastUse: state.tick())
                    state.hold(index)
                    state.evict(allowance: allowance, keeping: key)
                }
            }
            return index
        }
    }

    /// The common case, without suspending: the index of `key` with its files when one is made
    /// and the pack is the same on disk (one lstat).
    func unchanged(_ key: String) -> PackIndex? {
        unchanged(key, files: true)
    }

    private func unchanged(_ key: String, files: Bool) -> PackIndex? {
        guard let index = current(key, files: files), Fingerprint.of(index.path) == index.fingerprint else { return nil }
        return index
    }

    /// The index already made for `key` (with its files unless `files` is false), without
    /// looking at the disk; marks it used.
    func current(_ key: String, files: Bool = true) -> PackIndex? {
        state.withLock { state in
            if case .ready(let index, _) = state.slots[key], !files || !index.filesDropped {
                state.slots[key] = .ready(index, lastUse: state.tick())
                return index
            }
            return nil
        }
    }

    /// Drops the index of `key` (its pack changed under a request): the next request reads it again.
    func invalidate(_ key: String, ifStill index: PackIndex) {
        state.withLock { state in
            if case .ready(let current, _) = state.slots[key], current === index { state.remove(key) }
        }
    }

    private func forget(_ key: String) {
        state.withLock { state in state.remove(key) }
    }

    /// A name that may be a pack (`PackFolder.isCandidateName`).
    static func isCandidateName(_ name: String) -> Bool { PackFolder.isCandidateName(name) }

    /// A folder holding `bagit.txt`, or a regular file named like an archive.
    static func isPack(path: String, key: String, fingerprint: Fingerprint) -> Bool {
        PackFolder.isPack(path: path, name: key, isFolder: fingerprint.isFolder)
    }

    /// The names in `folder` that are packs, sorted.
    static func candidates(in folder: String) -> [String] { PackFolder.packNames(in: folder) }

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
    /// Reading whole packs: one at a time, so that the memory a read needs for a while (every
    /// name and digest of a pack of 100 000 files) is needed once, not once per pack.
    private static let reads = DispatchQueue(label: "evpack.preview.read", qos: .userInitiated)

    /// Reads a pack on the queue of pack reads; then gives the memory the read freed back to the
    /// system, so that the resident size falls back after a large pack.
    static func read<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            reads.async {
                let result = work()
                trimHeap?(0)
                continuation.resume(returning: result)
            }
        }
    }

    /// glibc's `malloc_trim`, which returns freed heap pages to the system (not in Swift's
    /// Glibc module, so looked up; nil elsewhere).
    nonisolated(unsafe) private static let trimHeap: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()

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
