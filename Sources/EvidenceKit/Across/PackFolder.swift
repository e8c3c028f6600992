#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The packs of one folder, as `evpack serve` and `evpack history` find them: pack folders (a
/// folder holding `bagit.txt`) and archives (`.tar.gz`, `.tar.zst`, `.tar`). Names starting with
/// `.` (a build's temporary folders) or `~`, and symbolic links, are never packs.
public enum PackFolder {
    /// `.tar.gz`, `.tar.zst`, `.tar`: the names `evpack build` gives its archives.
    public static let archiveExtensions = Compression.allCases.map(\.fileExtension)

    /// Names the preview server uses for its own pages (`/history`, `/diff/OLD/NEW`): never packs.
    public static let reservedNames: Set<String> = ["history", "diff"]

    /// A name that may be a pack: not hidden, not `~…`, not reserved, no separator or control character.
    public static func isCandidateName(_ name: String) -> Bool {
        guard !reservedNames.contains(name), let first = name.utf8.first, first != UInt8(ascii: "."), first != UInt8(ascii: "~") else { return false }
        return !name.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }
    }

    /// A folder holding `bagit.txt` (`isFolder`), or a file named like an archive.
    public static func isPack(path: String, name: String, isFolder: Bool) -> Bool {
        if isFolder {
            var info = stat()
            return lstat(path + "/" + BagIt.declarationFile, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        }
        return archiveExtensions.contains { name.hasSuffix($0) && name.count > $0.count }
    }

    /// The names in `folder` that are packs, sorted (links are not followed).
    public static func packNames(in folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let item = readdir(dir) {
            let name = withUnsafePointer(to: &item.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(validatingCString: $0) }
            }
            guard let name, isCandidateName(name) else { continue }
            let path = folder + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let type = info.st_mode & S_IFMT
            guard type == S_IFDIR || type == S_IFREG, isPack(path: path, name: name, isFolder: type == S_IFDIR) else { continue }
            names.append(name)
        }
        return names.sorted()
    }
}
