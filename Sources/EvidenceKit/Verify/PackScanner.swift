#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pack read once for a preview: the safety and BagIt steps of `evpack verify`, every file
/// with its size and SHA-256, and the bytes of the small files the caller asked to keep.
public struct PackScan: Sendable {
    /// One regular file inside the bag.
    public struct File: Sendable {
        public var size: Int64
        /// The SHA-256 of the bytes read (64 lowercase hex).
        public var sha256: String
        /// The bytes, when the file was small enough to keep.
        public var bytes: [UInt8]?
    }

    /// `folder` or `archive`.
    public var kind: String
    /// The archive's compression as libarchive names it (`gzip`, `zstd`, `none`); nil for a folder.
    public var compression: String?
    /// The archive's one top folder (the bag's name); nil for a folder.
    public var topFolder: String?
    /// Regular files by path inside the bag (`data/index.html`).
    public var files: [String: File]
    /// Folders inside the bag (`data`, `data/packets`).
    public var directories: Set<String>
    /// The failures of verify's safety step; a pack with any is not to be served.
    public var safety: [VerifyFailure]
    /// Verify's BagIt step over what was read.
    public var bag: StepReport
    /// The `bag-info.txt` lines.
    public var bagInfo: [BagInfo.Field]
    /// The SHA-256 `manifest-sha256.txt` (payload) or `tagmanifest-sha256.txt` (tag files) gives
    /// for each file with a safe name, whether or not BagIt accepts the line (a path listed twice:
    /// its last line; in both manifests: manifest-sha256.txt's).
    public var recorded: [String: String]
    /// False when reading stopped early (a limit, a corrupt stream).
    public var complete: Bool
}

/// Reads a pack (folder, or archive stream) the way `evpack verify` does, without the signature
/// and replay steps, keeping the bytes of every file up to `keepFilesUpTo` bytes while no more
/// than `budget` bytes are kept (the tag files are always kept: BagIt needs them), and the files
/// named in `paths` whatever their size, within `budget`.
public enum PackScanner {
    public static func scan(
        _ path: String, keepFilesUpTo: Int64, budget: Int64, paths: Set<String> = [], limits: VerifyLimits = VerifyLimits()
    ) throws(PackError) -> PackScan {
        var info = stat()
        guard stat(path, &info) == 0 else { throw PackError(path, "cannot read: \(errnoText())") }
        let tagAllowance = Int64(BagIt.tagFiles.count) * KeepPolicy.maxTagFile
        var keep = KeepPolicy(replay: false, budget: budget + tagAllowance, anyFileUpTo: keepFilesUpTo, anyFileBudget: budget)
        keep.paths = paths
        let contents: PackContents
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            kind = "folder"
            contents = try FolderReader.read(path, keep: keep, progress: nil)
        case S_IFREG:
            kind = "archive"
            contents = try ArchiveReader.read(path, keep: keep, limits: limits, progress: nil)
        default:
            throw PackError(path, "not a folder or an archive file")
        }
        let bag = BagValidator.validate(contents)
        return PackScan(
            kind: kind, compression: contents.compression, topFolder: contents.topFolder,
            files: contents.files.mapValues { PackScan.File(size: $0.size, sha256: $0.sha256, bytes: $0.bytes) },
            directories: contents.directories, safety: contents.safety, bag: bag.report, bagInfo: bag.info,
            recorded: bag.recorded, complete: contents.complete)
    }
}
