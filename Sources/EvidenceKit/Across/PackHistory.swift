import Dispatch
import Synchronization

/// Every pack of a folder, per session and over time (SPEC §10): what `evpack history` and the
/// preview's `/history` lay out, and what the preview's listing pairs packs with.
///
/// Each pack is read with `ComparablePack.read` (verify's safety and BagIt steps first), keeping
/// statuses and checksums only, so memory stays small with many packs. A pack stored twice (its
/// folder and its archive) is one entry; when the copies disagree the entry says how.
public struct PackHistory: Sendable {
    /// One pack, however many copies of it the folder holds.
    public struct Entry: Sendable {
        public var pack: ComparablePack
        /// The names in the folder holding this pack (`evidence-…`, `evidence-….tar.gz`), sorted.
        public var keys: [String]
        /// How the copies differ, when they do ("folder and archive differ: …").
        public var disagreement: String?
        /// What changed since the previous pack of the session (nil for the first).
        public var change: Change?

        public var name: String { pack.name }
        public var asOf: String { pack.asOf }
        public var isGo: Bool { pack.report.production.decision == "GO" }
    }

    /// The short form of the diff from the previous pack of the same session.
    public struct Change: Sendable, Equatable {
        /// The previous entry's first key.
        public var previousKey: String
        public var previousName: String
        public var summary: String
        public var regressed: Bool
        public var unchanged: Bool
    }

    public struct Session: Sendable {
        public var name: String
        /// Oldest first, by as-of (then name).
        public var entries: [Entry]
    }

    /// A name in the folder that is not a pack that can be compared, and why.
    public struct Unreadable: Sendable, Equatable {
        public var key: String
        public var reason: String
    }

    /// The folder as given.
    public var folder: String
    /// The session with the latest pack first.
    public var sessions: [Session]
    public var unreadable: [Unreadable]

    public var packCount: Int { sessions.reduce(0) { $0 + $1.entries.count } }

    /// Reads every pack in `folder`, two at a time (the order of results does not depend on it),
    /// each within `budget` bytes (`ComparablePack.read`).
    public static func read(folder: String, budget: Int64 = ComparablePack.budget, limits: VerifyLimits = VerifyLimits()) -> PackHistory {
        let keys = PackFolder.packNames(in: folder)
        let results = Mutex([Result<ComparablePack, ComparablePack.Failure>?](repeating: nil, count: keys.count))
        // Two at a time at most, whatever the machine: memory stays within two budgets.
        let workers = min(2, max(1, keys.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: keys.count, by: workers) {
                let result = Result { () throws(ComparablePack.Failure) in
                    try ComparablePack.read(folder + "/" + keys[index], detail: .statuses, budget: budget, limits: limits)
                }
                results.withLock { $0[index] = result }
            }
        }
        var packs: [(key: String, pack: ComparablePack)] = []
        var unreadable: [Unreadable] = []
        for (key, result) in zip(keys, results.withLock { $0 }) {
            switch result {
            case .success(let pack): packs.append((key, pack))
            case .failure(let failure): unreadable.append(Unreadable(key: key, reason: failure.reasons.first ?? "cannot be read"))
            case nil: unreadable.append(Unreadable(key: key, reason: "not read"))
            }
        }
        return PackHistory(folder: folder, packs: packs, unreadable: unreadable)
    }

    /// The history of packs already read, by their keys in the folder.
    public init(folder: String, packs: [(key: String, pack: ComparablePack)], unreadable: [Unreadable] = []) {
        self.folder = folder
        self.unreadable = unreadable
        // One entry per bag name: its folder and its archive are the same pack.
        var byName: [String: Entry] = [:]
        for (key, pack) in packs {
            guard var entry = byName[pack.name] else {
                byName[pack.name] = Entry(pack: pack, keys: [key])
                continue
            }
            entry.keys.append(key)
            entry.keys.sort()
            if entry.disagreement == nil {
                let diff = PackDiff(old: entry.pack, new: pack, packetText: false)
                if !diff.isUnchanged { entry.disagreement = "\(entry.pack.kind) and \(pack.kind) differ: \(diff.shortText)" }
            }
            byName[pack.name] = entry
        }
        var sessions: [String: [Entry]] = [:]
        for entry in byName.values { sessions[entry.pack.session, default: []].append(entry) }
        var list: [Session] = []
        for (name, entries) in sessions {
            let dated = entries.map { (entry: $0, instant: Instant(rfc3339: $0.asOf)) }
            var sorted = dated.sorted { a, b in
                switch (a.instant, b.instant) {
                case let (x?, y?) where x != y: return x < y
                case (nil, .some): return true
                case (.some, nil): return false
                default: return a.entry.name < b.entry.name
                }
            }.map(\.entry)
            for index in sorted.indices.dropFirst() {
                let previous = sorted[index - 1]
                let diff = PackDiff(old: previous.pack, new: sorted[index].pack, packetText: false)
                sorted[index].change = Change(
                    previousKey: previous.keys[0], previousName: previous.name, summary: diff.shortText, regressed: diff.hasRegression,
                    unchanged: diff.isUnchanged)
            }
            list.append(Session(name: name, entries: sorted))
        }
        self.sessions = list.sorted { a, b in
            let x = a.entries.last.flatMap { Instant(rfc3339: $0.asOf) }, y = b.entries.last.flatMap { Instant(rfc3339: $0.asOf) }
            if x != y, let x, let y { return x > y }
            if (x == nil) != (y == nil) { return x != nil }
            return a.name < b.name
        }
    }
}
