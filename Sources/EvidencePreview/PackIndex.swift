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
    /// The headers of a `200 OK` for the whole file, made once (see `ResponseHeaders.whole`).
    var headers: HTTPFields
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
/// with it.
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
    /// Why the pack is not served: verify's safety failures, or why it could not be read.
    public let problems: [String]
    /// What verify's BagIt step found (a changed file, a missing one); those files are not served.
    public let bagProblems: [String]
    let entries: [String: PackEntry]
    let directories: Set<String>
    /// Bytes held in memory for this pack.
    let keptBytes: Int

    /// Safe to serve: read to the end, and verify's safety step holds.
    public var isServed: Bool { problems.isEmpty }
    var modificationDate: Date { fingerprint.modificationDate }

    init(
        key: String, path: String, fingerprint: Fingerprint, kind: PackKind, name: String, summary: PackSummary,
        problems: [String], bagProblems: [String], entries: [String: PackEntry], directories: Set<String>
    ) {
        self.key = key
        self.path = path
        self.fingerprint = fingerprint
        self.kind = kind
        self.name = name
        self.summary = summary
        self.problems = problems
        self.bagProblems = bagProblems
        self.entries = entries
        self.directories = directories
        self.keptBytes = entries.values.reduce(0) { $0 + ($1.bytes?.readableBytes ?? 0) }
    }

    /// Reads the pack at `path` once (the safety and BagIt steps of `evpack verify`), keeping files
    /// up to `policy.maxFileSize` in memory within `budget` bytes.
    static func read(key: String, path: String, fingerprint: Fingerprint, policy: CachePolicy, budget: Int, limits: VerifyLimits) -> PackIndex {
        let scan: PackScan
        do {
            scan = try PackScanner.scan(
                path, keepFilesUpTo: budget > 0 ? Int64(policy.maxFileSize) : -1, budget: Int64(max(0, budget)), limits: limits)
        } catch {
            return PackIndex(
                key: key, path: path, fingerprint: fingerprint, kind: fingerprint.isFolder ? .folder : .archive(compression: "unknown"),
                name: key, summary: PackSummary(), problems: ["\(key): cannot be read: \(error.reason)"], bagProblems: [], entries: [:], directories: [])
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

        // Only what the pack's manifests list (and match), plus the two tag files no manifest can list.
        let listed = scan.recorded
        let unlisted: Set<String> = [BagIt.tagManifestFile, BagIt.signatureFile]
        var entries: [String: PackEntry] = [:]
        let lastModified = ResponseHeaders.httpDate(fingerprint.modificationDate)
        for (path, file) in scan.files {
            let recorded = listed[path]
            guard recorded != nil || unlisted.contains(path) else { continue }
            var refusal: String?
            if let recorded, recorded != file.sha256 {
                let manifest = path.hasPrefix(BagIt.payloadFolder + "/") ? BagIt.manifestFile : BagIt.tagManifestFile
                refusal = "its content does not match \(manifest): it changed after the pack was sealed"
            }
            let bytes = file.bytes.map { ByteBuffer(bytes: $0) }
            let etag = "\"\(file.sha256)\""
            let headers = ResponseHeaders.whole(path: path, size: Int(file.size), etag: etag, lastModified: lastModified)
            entries[path] = PackEntry(size: Int(file.size), etag: etag, bytes: bytes, refusal: refusal, headers: headers)
        }
        return PackIndex(
            key: key, path: path, fingerprint: fingerprint, kind: kind, name: name, summary: summary, problems: problems,
            bagProblems: scan.bag.failures.map(describe), entries: entries, directories: scan.directories)
    }
}

/// What the server keeps in memory: files up to `maxFileSize` bytes, `budget` bytes in all
/// packs together; larger files, and files beyond the budget, are read from the pack on each request.
public struct CachePolicy: Sendable {
    public var maxFileSize: Int
    public var budget: Int

    public init(maxFileSize: Int = 4 << 20, budget: Int = 256 << 20) {
        self.maxFileSize = maxFileSize
        self.budget = budget
    }
}
