import Foundation

/// `evpack history DIR [--out FILE]`: one self-contained page over every pack in DIR (SPEC §10).
public struct HistoryAction: Sendable {
    public var folder: String
    /// The page to write; `DIR/history.html` by default.
    public var out: String?
    public var limits: VerifyLimits

    public init(folder: String, out: String? = nil, limits: VerifyLimits = VerifyLimits()) {
        self.folder = folder
        self.out = out
        self.limits = limits
    }

    public struct Result: Sendable {
        public var path: String
        public var bytes: Int
        public var packs: Int
        public var sessions: Int
        public var unreadable: Int
    }

    /// Reads every pack, writes the page (to a temporary name, renamed when complete).
    public func perform() throws(InputError) -> Result {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw .cannotRead(path: folder, reason: "not a folder; name the folder holding the packs (evpack build writes them into output/ by default)")
        }
        let target = out ?? folder + "/history.html"
        let history = PackHistory.read(folder: folder, limits: limits)
        let base = URL(fileURLWithPath: target).deletingLastPathComponent().standardizedFileURL.path
        let root = URL(fileURLWithPath: folder).standardizedFileURL.path
        let links = AcrossPages.HistoryLinks(pack: { entry in
            // A browser opens index.html of a folder; an archive has to be unpacked or served.
            guard let key = entry.keys.first(where: { key in !PackFolder.archiveExtensions.contains { key.hasSuffix($0) } }) else { return nil }
            return Self.relative(from: base, to: root + "/" + key + "/data/index.html")
        })
        let html = AcrossPages.history(history, links: links)
        do {
            try FileWriter.write(Array(html.utf8), to: target)
        } catch {
            throw .cannotRead(path: target, reason: "cannot write: \(error.reason)")
        }
        return Result(
            path: target, bytes: html.utf8.count, packs: history.packCount, sessions: history.sessions.count,
            unreadable: history.unreadable.count)
    }

    /// The path of `target` relative to the folder `base` (both absolute, standardized), each part percent-encoded.
    static func relative(from base: String, to target: String) -> String {
        let from = base.split(separator: "/"), to = target.split(separator: "/")
        var common = 0
        while common < from.count, common < to.count - 1, from[common] == to[common] { common += 1 }
        let up = Array(repeating: "..", count: from.count - common)
        let down = to[common...].map { String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? String($0) }
        return (up + down).joined(separator: "/")
    }
}
