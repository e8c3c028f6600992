/// Limits that keep a hostile archive from exhausting the verifier.
public struct VerifyLimits: Sendable {
    /// The largest single entry, in bytes.
    public var maxEntrySize: Int64
    /// The largest sum of all entries, in bytes.
    public var maxTotalSize: Int64
    /// The most entries an archive may hold.
    public var maxEntries: Int
    /// Uncompressed bytes per compressed byte beyond which a stream is a decompression bomb.
    /// Real packs (text, HTML, JSON Lines) stay far below it; deflate cannot exceed about 1032.
    public var maxCompressionRatio: Double
    /// The ratio is judged once this many bytes have come out of the decompressor.
    public var ratioCheckAfter: Int64
    /// The most bytes of replay inputs (and tag files) held in memory at once.
    public var maxInMemoryBytes: Int64

    public init(
        maxEntrySize: Int64 = 16 << 30, maxTotalSize: Int64 = 64 << 30, maxEntries: Int = 100_000,
        maxCompressionRatio: Double = 200, ratioCheckAfter: Int64 = 16 << 20, maxInMemoryBytes: Int64 = 4 << 30
    ) {
        self.maxEntrySize = maxEntrySize
        self.maxTotalSize = maxTotalSize
        self.maxEntries = maxEntries
        self.maxCompressionRatio = maxCompressionRatio
        self.ratioCheckAfter = ratioCheckAfter
        self.maxInMemoryBytes = maxInMemoryBytes
    }
}

/// What reading a pack (a folder, or an archive stream) found: its files with their SHA-256.
struct PackContents: Sendable {
    /// Regular files by path inside the bag (`data/index.html`, `bagit.txt`).
    var files: [String: FileDigest] = [:]
    /// Folders inside the bag (`data`, `data/packets`).
    var directories: Set<String> = []
    /// The archive's one top folder; nil for a folder pack.
    var topFolder: String?
    /// Entries seen (archive) or files and folders walked (folder).
    var entryCount = 0
    /// Safety failures: links, devices, unsafe names, limits, unreadable streams.
    var safety: [VerifyFailure] = []
    /// The archive's compression as libarchive names it; nil for a folder.
    var compression: String?
    /// False when reading stopped early (a limit, a corrupt stream): later steps know not all was seen.
    var complete = true

    /// Bytes of a file kept in memory (tag files; replay inputs when replaying).
    func bytes(_ path: String) -> [UInt8]? { files[path]?.bytes }
}

/// Which files a reader keeps in memory besides hashing them: the bag's own tag files, and when
/// replaying, `data/evidence.xml` and `data/inputs/*` — within a total budget.
struct KeepPolicy: Sendable {
    var replay: Bool
    /// The most bytes kept in all (tag files count toward it too).
    var budget: Int64
    /// Files handed to a replay stream as they are read instead of being kept.
    var streams: [String: any ReplayStream] = [:]
    /// Any file up to this many bytes is kept too, while no more than `anyFileBudget` bytes are
    /// kept (the preview server's cache); -1 keeps none. Tag files are kept beyond that budget.
    var anyFileUpTo: Int64 = -1
    var anyFileBudget: Int64 = 0
    /// Keeps `data/evidence.xml` without replay too: verify reads the decision from it.
    var keepsEvidence = false
    /// Files kept whatever their size, within `budget` (what `evpack diff` reads).
    var paths: Set<String> = []

    /// The largest tag file read into memory: manifests of real packs are a few kilobytes.
    static let maxTagFile: Int64 = 64 << 20

    /// Whether to keep `path` of `size` bytes when `kept` bytes are kept already.
    func keeps(_ path: String, size: Int64, kept: Int64) -> Bool {
        guard streams[path] == nil, kept + size <= budget else { return false }
        if BagIt.tagFiles.contains(path) { return size <= KeepPolicy.maxTagFile }
        if size <= anyFileUpTo, kept + size <= anyFileBudget { return true }
        if paths.contains(path) { return true }
        if path == ReplayInput.evidencePath { return replay || keepsEvidence }
        return replay && path.hasPrefix(ReplayInput.inputsFolder + "/")
    }
}
