#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvidenceKit
import Foundation
import HTTPTypes
import Hummingbird

/// How a pack in the served folder is stored.
public enum PackKind: Sendable, Equatable {
    case folder
    /// An archive: `gzip`, `zstd` or `none`, as libarchive names its compression.
    case archive(compression: String)

    /// What the listing shows: `folder`, or the archive's file name ending (`.tar.gz`, `.tar.zst`,
    /// `.tar`; `.tar` for a compression that is none of the pack's).
    var label: String {
        switch self {
        case .folder: return "folder"
        case .archive(let compression): return (Compression(rawValue: compression) ?? Compression.none).fileExtension
        }
    }
}

/// What identifies one version of a pack on disk: a rebuilt or replaced pack (written under a
/// temporary name and renamed) has another inode, size or modification time.
struct Fingerprint: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var seconds: Int
    var nanoseconds: Int
    var isFolder: Bool

    /// The fingerprint of a folder or regular file; nil for anything else (links are not followed).
    static func of(_ path: String) -> Fingerprint? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Fingerprint(info)
    }

    /// The fingerprint of an open file.
    static func of(descriptor: Int32) -> Fingerprint? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return Fingerprint(info)
    }

    private init?(_ info: stat) {
        let type = info.st_mode & S_IFMT
        guard type == S_IFDIR || type == S_IFREG else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        seconds = Int(info.st_mtim.tv_sec)
        nanoseconds = Int(info.st_mtim.tv_nsec)
        isFolder = type == S_IFDIR
    }

    var modificationDate: Date {
        Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9)
    }
}

/// One file of an indexed pack.
struct PackEntry: Sendable {
    var size: Int
    /// A strong ETag: the file's SHA-256 as the pack's manifest gives it, quoted.
    var etag: String
    /// The bytes, for files small enough to keep (served without touching the archive).
    var bytes: ByteBuffer?
    /// Why the file is not served (its content does not match the manifest), or nil.
    var refusal: String?
    /// The headers of a `200 OK` for the whole file, made once (see `ResponseHeaders.whole`);
    /// empty for a file not kept in memory (only a kept file is answered from them).
    var headers: HTTPFields
}

/// Paths in one sorted byte arena, found by binary search: a set of many paths that costs a few
/// bytes beyond the paths themselves (a `Set<String>` costs about a hundred per path).
struct PathTable: Sendable {
    private let arena: [UInt8]
    /// Where each path ends in `arena`; path `i` starts where path `i - 1` ends.
    private let ends: [UInt32]

    static let empty = PathTable(sortedUnique: [])

    /// The paths, sorted by their UTF-8 bytes (the order `index(of:)` searches in).
    init(sortedUnique paths: [String]) {
        var arena: [UInt8] = []
        arena.reserveCapacity(paths.reduce(0) { $0 + $1.utf8.count })
        var ends: [UInt32] = []
        ends.reserveCapacity(paths.count)
        for path in paths {
            arena.append(contentsOf: path.utf8)
            ends.append(UInt32(arena.count))
        }
        self.arena = arena
        self.ends = ends
    }

    /// The order of a `PathTable`: by UTF-8 bytes.
    static func sorted<S: Sequence>(_ paths: S) -> [String] where S.Element == String {
        paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    var count: Int { ends.count }
    /// Bytes held.
    var memory: Int { arena.count + ends.count * MemoryLayout<UInt32>.stride + 64 }

    func contains(_ path: String) -> Bool { index(of: path) != nil }

    /// The position of `path`, or nil.
    func index(of path: String) -> Int? {
        var path = path
        return path.withUTF8 { wanted -> Int? in
            arena.withUnsafeBufferPointer { arena -> Int? in
                var low = 0, high = ends.count
                while low < high {
                    let middle = (low + high) / 2
                    let start = middle == 0 ? 0 : Int(ends[middle - 1]), end = Int(ends[middle])
                    let order = Self.compare(UnsafeBufferPointer(rebasing: arena[start..<end]), wanted)
                    if order == 0 { return middle }
                    if order < 0 { low = middle + 1 } else { high = middle }
                }
                return nil
            }
        }
    }

    func path(at index: Int) -> String {
        let start = index == 0 ? 0 : Int(ends[index - 1])
        return String(decoding: arena[start..<Int(ends[index])], as: UTF8.self)
    }

    private static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(a.count, b.count)
        if common > 0 {
            let order = memcmp(a.baseAddress!, b.baseAddress!, common)
            if order != 0 { return Int(order) }
        }
        return a.count - b.count
    }
}

/// The servable files of a pack, compact: their paths in a `PathTable`, and beside them each
/// file's size, SHA-256 (32 bytes) and whether its content differs from its manifest.
struct EntryTable: Sendable {
    let paths: PathTable
    private let sizes: [Int64]
    private let digests: [UInt8]
    /// Positions of files whose content does not match their manifest line.
    private let mismatched: Set<Int32>

    static let empty = EntryTable(files: [])

    struct File {
        var path: String
        var size: Int64
        var sha256: String
        var mismatched: Bool
    }

    init(files: [File]) {
        let files = files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        paths = PathTable(sortedUnique: files.map(\.path))
        sizes = files.map(\.size)
        var digests: [UInt8] = []
        digests.reserveCapacity(files.count * 32)
        for file in files { digests.append(contentsOf: Self.bytes(ofHex: file.sha256)) }
        self.digests = digests
        mismatched = Set(files.indices.filter { files[$0].mismatched }.map { Int32($0) })
    }

    var count: Int { paths.count }
    var memory: Int { paths.memory + sizes.count * 8 + digests.count + mismatched.count * 16 }

    /// The entry of `path` (not kept in memory), or nil when the pack serves no such file.
    func entry(_ path: String) -> PackEntry? {
        guard let index = paths.index(of: path) else { return nil }
        var refusal: String?
        if mismatched.contains(Int32(index)) {
            let manifest = path.hasPrefix(BagIt.payloadFolder + "/") ? BagIt.manifestFile : BagIt.tagManifestFile
            refusal = PackIndex.mismatch(manifest)
        }
        let hex = Checksum.hex(digests[index * 32..<(index + 1) * 32])
        return PackEntry(size: Int(sizes[index]), etag: "\"\(hex)\"", bytes: nil, refusal: refusal, headers: HTTPFields())
    }

    /// 32 bytes of a 64-digit hex SHA-256 (zeros for anything else: a scan always gives 64 digits).
    private static func bytes(ofHex hex: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return out }
        func value(_ c: UInt8) -> UInt8 {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return 0
            }
        }
        for i in 0..<32 { out[i] = value(digits[2 * i]) << 4 | value(digits[2 * i + 1]) }
        return out
    }
}

/// What the listing shows of a pack: the fields of `bag-info.txt` and its name.
public struct PackSummary: Sendable, Equatable {
    /// `grant-ready` of `evidence-grant-ready-bfg-d6f24eb0`; nil when the name has another form.
    public var session: String?
    /// `Evidence-As-Of` (RFC 3339), else `Bagging-Date`.
    public var asOf: String?
    /// `Production-Decision`: `GO`, or `NO-GO` and the blocking decision.
    public var decision: String?
    /// `External-Identifier`: the payload checksum (64 hex).
    public var payloadChecksum: String?

    /// The pack name's session: `evidence-<session>-bfg-<8 hex>`.
    static func session(ofPackName name: String) -> String? {
        guard name.hasPrefix("evidence-") else { return nil }
        let rest = name.dropFirst("evidence-".count)
        guard rest.count > 13 else { return nil }
        let suffix = rest.suffix(13)
        guard suffix.hasPrefix("-bfg-"), suffix.dropFirst(5).allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return String(rest.dropLast(13))
    }
}

/// One pack of the served folder as read at one moment: its summary, whether it may be served,
/// and its files with their ETags (and the bytes of the small ones).
///
/// Immutable: a changed pack gets a new index, and requests already holding the old one finish
/// with it. Its memory is bounded: a pack found unsafe keeps no files, at most `shownProblems`
/// problems are kept (and their count), the file list is compact (`EntryTable`), and a file's
/// bytes are kept only within the budget it is read with, each counted with its overhead.
/// `withoutFiles()` is the same pack for the listing, its files dropped (`PackLibrary` keeps
/// that when file lists exceed their allowance).
public final class PackIndex: Sendable {
    /// The pack's name in the served folder: the URL's first part.
    public let key: String
    /// The path of the folder or archive.
    let path: String
    let fingerprint: Fingerprint
    public let kind: PackKind
    /// The bag's name: the archive's top folder, or the folder's own name.
    public let name: String
    public let summary: PackSummary
    /// The bag holds `signature.json` (checked against a key by `evpack verify --key`, not here).
    public let signed: Bool
    /// Why the pack is not served: verify's safety failures (the first `shownProblems`), or why
    /// it could not be read.
    public let problems: [String]
    /// How many safety problems there are in all.
    public let problemCount: Int
    /// What verify's BagIt step found (a changed file, a missing one; the first `shownProblems`);
    /// those files are not served.
    public let bagProblems: [String]
    /// How many BagIt problems there are in all.
    public let bagProblemCount: Int
    /// Files held in memory, with their bytes and headers.
    let kept: [String: PackEntry]
    /// Every file served, compact.
    let table: EntryTable
    let directories: PathTable
    /// Bytes of pack files held in memory for this pack.
    let keptBytes: Int
    /// What the kept files cost in all (bytes and overhead): counted against the cache budget.
    let cacheCost: Int
    /// Bytes the file list takes (the table, the folders, the problems): counted against the
    /// allowance of file lists.
    let indexBytes: Int
    /// The files were dropped to save memory: reading a file reads the pack again.
    let filesDropped: Bool

    /// How many problems of each kind an index keeps.
    static let shownProblems = 20
    /// What keeping one file in memory costs beyond its bytes: its entry, headers and buffer
    /// (measured: about 2 KiB each for 9 900 small files).
    static let keptFileOverhead = 2048

    /// Safe to serve: read to the end, and verify's safety step holds.
    public var isServed: Bool { problemCount == 0 }
    var modificationDate: Date { fingerprint.modificationDate }

    init(
        key: String, path: String, fingerprint: Fingerprint, kind: PackKind, name: String, summary: PackSummary,
        problems: [String], bagProblems: [String], signed: Bool = false, kept: [String: PackEntry] = [:], table: EntryTable = .empty,
        directories: PathTable = .empty, filesDropped: Bool = false
    ) {
        self.key = key
        self.path = path
        self.fingerprint = fingerprint
        self.kind = kind
        self.name = name
        self.summary = summary
        self.signed = signed
        self.problems = Array(problems.prefix(Self.shownProblems))
        self.problemCount = problems.count
        self.bagProblems = Array(bagProblems.prefix(Self.shownProblems))
        self.bagProblemCount = bagProblems.count
        self.kept = kept
        self.table = table
        self.directories = directories
        self.filesDropped = filesDropped
        self.keptBytes = kept.values.reduce(0) { $0 + ($1.bytes?.readableBytes ?? 0) }
        self.cacheCost = keptBytes + kept.count * Self.keptFileOverhead
        self.indexBytes = table.memory + directories.memory + Self.memory(of: self.problems + self.bagProblems)
    }

    private init(droppingFilesOf index: PackIndex) {
        key = index.key
        path = index.path
        fingerprint = index.fingerprint
        kind = index.kind
        name = index.name
        summary = index.summary
        signed = index.signed
        problems = index.problems
        problemCount = index.problemCount
        bagProblems = index.bagProblems
        bagProblemCount = index.bagProblemCount
        kept = [:]
        table = .empty
        directories = .empty
        filesDropped = true
        keptBytes = 0
        cacheCost = 0
        indexBytes = Self.memory(of: problems + bagProblems)
    }

    private static func memory(of lines: [String]) -> Int {
        lines.reduce(0) { $0 + $1.utf8.count + 32 }
    }

    /// The same pack for the listing, without its files (and nothing in memory for them).
    func withoutFiles() -> PackIndex {
        filesDropped ? self : PackIndex(droppingFilesOf: self)
    }

    /// The file at `path` inside the pack, or nil when the pack serves no such file.
    func entry(_ path: String) -> PackEntry? {
        kept[path] ?? table.entry(path)
    }

    /// The files and folders under `folder` (links not followed), counted up to `limit`.
    static func countEntries(_ folder: String, upTo limit: Int) -> Int {
        var count = 0
        var pending = [folder]
        while let next = pending.popLast(), count < limit {
            guard let dir = opendir(next) else { continue }
            defer { closedir(dir) }
            while count < limit, let item = readdir(dir) {
                let name = withUnsafePointer(to: &item.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name == "." || name == ".." { continue }
                count += 1
                if item.pointee.d_type == UInt8(DT_DIR) { pending.append(next + "/" + name) }
            }
        }
        return count
    }

    /// Why a file whose content differs from `manifest` is not served.
    static func mismatch(_ manifest: String) -> String {
        "its content does not match \(manifest): it changed after the pack was sealed"
    }

    /// Reads the pack at `path` once (the safety and BagIt steps of `evpack verify`), keeping files
    /// up to `policy.maxFileSize` in memory within `budget` bytes (each counted with
    /// `keptFileOverhead`). An unsafe pack keeps no files.
    static func read(key: String, path: String, fingerprint: Fingerprint, policy: CachePolicy, budget: Int, limits: VerifyLimits) -> PackIndex {
        if fingerprint.isFolder, limits.maxEntries < VerifyLimits().maxEntries, countEntries(path, upTo: limits.maxEntries + 1) > limits.maxEntries {
            // A folder is read whole, so the limit archives stop at is checked before.
            return PackIndex(
                key: key, path: path, fingerprint: fingerprint, kind: .folder, name: key, summary: PackSummary(),
                problems: ["\(key): more than \(limits.maxEntries) entries; the preview reads at most \(limits.maxEntries) entries of a pack (a pack evpack builds holds a few dozen)"],
                bagProblems: [])
        }
        let scan: PackScan
        do {
            scan = try PackScanner.scan(
                path, keepFilesUpTo: budget > 0 ? Int64(policy.maxFileSize) : -1, budget: Int64(max(0, budget)), limits: limits)
        } catch {
            return PackIndex(
                key: key, path: path, fingerprint: fingerprint, kind: fingerprint.isFolder ? .folder : .archive(compression: "unknown"),
                name: key, summary: PackSummary(), problems: ["\(key): cannot be read: \(error.reason)"], bagProblems: [])
        }
        let kind: PackKind = scan.kind == "folder" ? .folder : .archive(compression: scan.compression ?? "unknown")
        let name = scan.topFolder ?? key
        func field(_ label: String) -> String? { scan.bagInfo.first { $0.label == label }?.value }
        let summary = PackSummary(
            session: PackSummary.session(ofPackName: name), asOf: field("Evidence-As-Of") ?? field("Bagging-Date"),
            decision: field("Production-Decision"), payloadChecksum: field("External-Identifier"))
        // Failures about the pack as a whole name it by its key, not by its path on this host.
        let describe = { (failure: VerifyFailure) in "\(failure.file == path ? key : failure.file): \(failure.reason)" }
        // A read that stopped early (`complete` false) has always said why among the safety failures.
        var problems = scan.safety.map(describe)
        if case .archive = kind, scan.topFolder == nil { problems.append("the archive holds no pack folder") }
        let entryLimit = "more than \(limits.maxEntries) entries"
        if limits.maxEntries < VerifyLimits().maxEntries, scan.safety.contains(where: { $0.reason.hasPrefix(entryLimit) }) {
            problems.append("the preview reads at most \(limits.maxEntries) entries of a pack (a pack evpack builds holds a few dozen); `evpack verify` reads up to \(VerifyLimits().maxEntries)")
        }
        let bagProblems = scan.bag.failures.map(describe)
        guard problems.isEmpty else {
            // Not served: nothing of its files is kept.
            return PackIndex(
                key: key, path: path, fingerprint: fingerprint, kind: kind, name: name, summary: summary, problems: problems,
                bagProblems: bagProblems)
        }

        // Only what the pack's manifests list (and match), plus the two tag files no manifest can list.
        let listed = scan.recorded
        let unlisted: Set<String> = [BagIt.tagManifestFile, BagIt.signatureFile]
        var kept: [String: PackEntry] = [:]
        var files: [EntryTable.File] = []
        var used = 0
        let lastModified = ResponseHeaders.httpDate(fingerprint.modificationDate)
        // Smallest first, by path among equals: what is kept does not depend on hashing order.
        let order = scan.files.sorted { ($0.value.size, $0.key) < ($1.value.size, $1.key) }
        for (path, file) in order {
            let recorded = listed[path]
            guard recorded != nil || unlisted.contains(path) else { continue }
            var refusal: String?
            if let recorded, recorded != file.sha256 {
                refusal = mismatch(path.hasPrefix(BagIt.payloadFolder + "/") ? BagIt.manifestFile : BagIt.tagManifestFile)
            }
            let cost = Int(file.size) + keptFileOverhead
            if let bytes = file.bytes, file.size <= Int64(policy.maxFileSize), used + cost <= budget {
                used += cost
                let etag = "\"\(file.sha256)\""
                let headers = ResponseHeaders.whole(path: path, size: Int(file.size), etag: etag, lastModified: lastModified)
                kept[path] = PackEntry(size: Int(file.size), etag: etag, bytes: ByteBuffer(bytes: bytes), refusal: refusal, headers: headers)
            } else {
                files.append(EntryTable.File(path: path, size: file.size, sha256: file.sha256, mismatched: refusal != nil))
            }
        }
        return PackIndex(
            key: key, path: path, fingerprint: fingerprint, kind: kind, name: name, summary: summary, problems: problems,
            bagProblems: bagProblems, signed: scan.files[BagIt.signatureFile] != nil, kept: kept, table: EntryTable(files: files),
            directories: PathTable(sortedUnique: PathTable.sorted(scan.directories)))
    }
}

/// What the server keeps in memory: files up to `maxFileSize` bytes, `budget` bytes in all
/// packs together (each file counted with its overhead); larger files, and files beyond the
/// budget, are read from the pack on each request. Besides them, the file lists of packs up to
/// `indexBudget` bytes: beyond it the least recently used pack's list (and its kept files) is
/// dropped, and read again when one of its files is asked for.
public struct CachePolicy: Sendable {
    public var maxFileSize: Int
    public var budget: Int
    public var indexBudget: Int

    public init(maxFileSize: Int = 4 << 20, budget: Int = 256 << 20, indexBudget: Int = 32 << 20) {
        self.maxFileSize = maxFileSize
        self.budget = budget
        self.indexBudget = indexBudget
    }
}
