/// Names a pack may not hold: they would escape, hide or break a line of a manifest.
enum PathSafety {
    /// Why `path` is unsafe as a name inside a pack, or nil.
    static func nameProblem(_ path: String) -> String? {
        if path.hasPrefix("/") { return "absolute path" }
        for component in path.split(separator: "/", omittingEmptySubsequences: true) where component == ".." {
            return "path leaves the pack ('..')"
        }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "control character in the name"
        }
        return nil
    }
}
