#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// How a pack is sealed: compression, signature and the archive's timestamp.
public struct PackOptions: Sendable {
    public var compression: Compression
    /// Signs the payload into `signature.json` when set.
    public var signingKey: SigningKey?
    /// Every archive entry's mtime, seconds since 1970 (see `PackWriter.archiveTime`).
    public var mtime: Int64

    public init(compression: Compression = .gzip, signingKey: SigningKey? = nil, mtime: Int64) {
        self.compression = compression
        self.signingKey = signingKey
        self.mtime = mtime
    }
}

/// A finished pack: the bag folder and the archive beside it.
public struct PackResult: Sendable {
    public var folder: URL
    public var archive: URL
    public var bag: Bag
}

/// Seals a pack folder: the bag files, the signature and the archive, all written whole or not at all.
public enum PackWriter {
    /// The archive mtime: `SOURCE_DATE_EPOCH` (whole seconds) when set, else the as-of instant.
    public static func archiveTime(asOf: Instant, sourceDateEpoch: String?) throws(PackError) -> Int64 {
        try sourceDateEpochSeconds(sourceDateEpoch) ?? asOf.seconds
    }

    /// `SOURCE_DATE_EPOCH` as seconds; nil when it is not set (or empty).
    static func sourceDateEpochSeconds(_ text: String?) throws(PackError) -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        guard text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), text.utf8.count <= 12, let seconds = Int64(text),
              seconds <= 8_589_934_591  // the largest mtime a ustar header holds
        else { throw PackError("SOURCE_DATE_EPOCH", "'\(text.prefix(40))' is not a number of seconds since 1970") }
        return seconds
    }

    /// Makes `folder` (which holds `data/`) the bag `name` and writes `<name>.tar.gz` (or
    /// `.tar.zst`, `.tar`) beside it.
    ///
    /// The build writes into a temporary folder (say `OUT/.evidence-x.partial-1234/`) and calls
    /// this: the bag files go into that folder, the archive goes to a temporary name and is
    /// renamed to `OUT/<name>.tar.gz` when complete, and last the folder is renamed to
    /// `OUT/<name>`, replacing an earlier pack of that name. A build stopped at any point leaves
    /// only hidden `.…partial…` names, never something that looks like a pack. `hashed`: the
    /// SHA-256 of payload files (`data/…`) hashed as they were written (see `BagWriter.write`).
    public static func finish(
        folder: URL, name: String, info: BagInfo, options: PackOptions, hashed: [String: String] = [:],
        progress: (@Sendable (Int) -> Void)? = nil
    ) throws(PackError) -> PackResult {
        guard isSafeName(name) else {
            throw PackError(name, "not a pack name: use letters, digits, '.', '_' and '-', not starting with '.'")
        }
        let source = folder.standardizedFileURL
        let parent = source.deletingLastPathComponent()
        let archive = parent.appendingPathComponent(name + options.compression.fileExtension)
        let target = parent.appendingPathComponent(name)

        let bag = try BagWriter.write(folder: source.path, name: name, info: info, signingKey: options.signingKey, hashed: hashed, progress: progress)
        try ArchiveWriter.write(
            folder: source.path, topFolder: name, to: archive.path, compression: options.compression, mtime: options.mtime,
            progress: progress)
        if source.path != target.path {
            try replace(target.path, with: source.path)
        }
        return PackResult(folder: target, archive: archive, bag: bag)
    }

    /// Moves the folder `source` to `target`; an existing `target` is moved aside first and removed after.
    static func replace(_ target: String, with source: String) throws(PackError) {
        if rename(source, target) == 0 { return }
        let code = errno
        guard code == EEXIST || code == ENOTEMPTY else { throw PackError(target, "cannot move the finished pack into place: \(errnoText(code))") }
        let parent = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        var template = Array("\(parent)/.\(name).old-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw PackError(target, "cannot replace the earlier pack: \(errnoText())")
        }
        let aside = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard rename(target, aside) == 0 else { throw PackError(target, "cannot replace the earlier pack: \(errnoText())") }
        guard rename(source, target) == 0 else {
            let failure = errnoText()
            _ = rename(aside, target)
            throw PackError(target, "cannot move the finished pack into place: \(failure)")
        }
        try? FileManager.default.removeItem(atPath: aside)
    }

    /// A single file-name-safe path component.
    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200 && name.first != "." && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }
}
