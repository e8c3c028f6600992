/// The text formats of a BagIt 1.0 bag (RFC 8493) with SHA-256 manifests.
public enum BagIt {
    public static let declarationFile = "bagit.txt"
    public static let infoFile = "bag-info.txt"
    public static let manifestFile = "manifest-sha256.txt"
    public static let tagManifestFile = "tagmanifest-sha256.txt"
    /// The DSSE envelope: a tag file the tag manifest does not list (it cannot sign itself).
    public static let signatureFile = "signature.json"
    public static let payloadFolder = "data"
    /// The tag files a pack may hold at its root besides `data/`.
    public static let tagFiles: Set<String> = [declarationFile, infoFile, manifestFile, tagManifestFile, signatureFile]

    /// The bag declaration, byte for byte.
    public static let declaration = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"

    /// One line of a manifest: a file and its SHA-256.
    public struct ManifestEntry: Sendable, Equatable {
        public var path: String
        public var sha256: String
        public init(path: String, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }

    /// A manifest: `<sha256>  <path>` lines sorted by path, so `sha256sum -c` reads it too.
    public static func manifest(_ entries: [ManifestEntry]) -> String {
        entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
            .map { "\($0.sha256)  \(encodePath($0.path))\n" }
            .joined()
    }

    /// A manifest line that could not be read, with its line number.
    public struct ManifestProblem: Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    /// Reads a manifest: entries in file order, and the lines that are not `<64 hex> <path>`.
    public static func parseManifest(_ bytes: [UInt8]) -> (entries: [ManifestEntry], problems: [ManifestProblem]) {
        var entries: [ManifestEntry] = []
        var problems: [ManifestProblem] = []
        guard let lines = lines(bytes) else { return ([], [ManifestProblem(line: 0, reason: "not UTF-8 text")]) }
        for (number, line) in lines {
            guard let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
                problems.append(ManifestProblem(line: number, reason: "expected '<sha256> <path>'"))
                continue
            }
            let hash = line[..<space].lowercased()
            let path = line[space...].drop { $0 == " " || $0 == "\t" }
            guard hash.utf8.count == 64, hash.utf8.allSatisfy(isHexDigit) else {
                problems.append(ManifestProblem(line: number, reason: "'\(line[..<space].prefix(80))' is not a SHA-256 (64 hex digits)"))
                continue
            }
            guard !path.isEmpty else {
                problems.append(ManifestProblem(line: number, reason: "no file name after the checksum"))
                continue
            }
            entries.append(ManifestEntry(path: decodePath(String(path)), sha256: hash))
        }
        return (entries, problems)
    }

    /// Percent-encodes the three characters RFC 8493 §2.1.3 requires: CR, LF and `%`.
    public static func encodePath(_ path: String) -> String {
        guard path.utf8.contains(where: { $0 == 0x25 || $0 == 0x0A || $0 == 0x0D }) else { return path }
        var out = ""
        for scalar in path.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "\n": out += "%0A"
            case "\r": out += "%0D"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Reverses `encodePath` (and accepts lowercase hex); other `%` sequences stay as they are.
    public static func decodePath(_ path: String) -> String {
        guard path.utf8.contains(0x25) else { return path }
        let bytes = Array(path.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x25, i + 2 < bytes.count {
                let code = String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self).uppercased()
                let decoded: UInt8? = code == "0A" ? 0x0A : code == "0D" ? 0x0D : code == "25" ? 0x25 : nil
                if let decoded {
                    out.append(decoded)
                    i += 3
                    continue
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads `Label: value` tag lines (bag-info.txt, bagit.txt); indented lines continue a value.
    public static func parseTags(_ bytes: [UInt8]) -> (tags: [(label: String, value: String)], problems: [ManifestProblem]) {
        var tags: [(label: String, value: String)] = []
        var problems: [ManifestProblem] = []
        guard let lines = lines(bytes) else { return ([], [ManifestProblem(line: 0, reason: "not UTF-8 text")]) }
        for (number, line) in lines {
            if line.first == " " || line.first == "\t", !tags.isEmpty {
                tags[tags.count - 1].value += " " + line.trimmed(" \t")
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                problems.append(ManifestProblem(line: number, reason: "expected 'Label: value'"))
                continue
            }
            let label = line[..<colon].trimmed(" \t")
            let value = line[line.index(after: colon)...].trimmed(" \t")
            tags.append((label, value))
        }
        return (tags, problems)
    }

    /// `Payload-Oxum`: the payload's octet count, a dot, and its file count.
    public static func payloadOxum(bytes: Int64, files: Int) -> String {
        "\(bytes).\(files)"
    }

    /// The non-empty lines of a tag file with their numbers (from 1); lines end in LF, CR LF or
    /// CR (RFC 8493 §2.1). Nil when the bytes are not UTF-8. (Split by bytes: as a `Character`,
    /// CR LF is one grapheme that a split at "\n" would not cut.)
    private static func lines(_ bytes: [UInt8]) -> [(number: Int, line: Substring)]? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        var lines: [(number: Int, line: Substring)] = []
        let utf8 = text.utf8
        var start = utf8.startIndex, index = start, number = 0
        while index < utf8.endIndex {
            let byte = utf8[index]
            guard byte == 0x0A || byte == 0x0D else {
                index = utf8.index(after: index)
                continue
            }
            number += 1
            if index > start { lines.append((number, Substring(utf8[start..<index]))) }
            index = utf8.index(after: index)
            if byte == 0x0D, index < utf8.endIndex, utf8[index] == 0x0A { index = utf8.index(after: index) }
            start = index
        }
        if start < utf8.endIndex { lines.append((number + 1, Substring(utf8[start...]))) }
        return lines
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }
}

/// The `bag-info.txt` of a pack.
public struct BagInfo: Sendable, Equatable {
    /// A `Label: value` line beyond the fixed ones.
    public struct Field: Sendable, Equatable {
        public var label: String
        public var value: String
        public init(_ label: String, _ value: String) {
            self.label = label
            self.value = value
        }
    }

    /// The instant the pack is evaluated at: `Bagging-Date` is its UTC day.
    public var asOf: Instant
    /// The scenario payload checksum (64 hex): `External-Identifier`.
    public var payloadChecksum: String
    /// `GO`, or `NO-GO` and the blocking decision: `NO-GO BLOCKED_PENDING_DRY_RUN`.
    public var productionDecision: String
    /// More lines, written after the fixed ones in the order given.
    public var additional: [Field]

    public init(asOf: Instant, payloadChecksum: String, productionDecision: String, additional: [Field] = []) {
        self.asOf = asOf
        self.payloadChecksum = payloadChecksum
        self.productionDecision = productionDecision
        self.additional = additional
    }

    /// `evpack <version>`.
    public static var softwareAgent: String { "evpack \(EvidencePack.version)" }

    /// The fields in the order written, with the payload's `Payload-Oxum`.
    public func fields(payloadOxum: String) -> [Field] {
        [
            Field("Bag-Software-Agent", BagInfo.softwareAgent),
            Field("Bagging-Date", asOf.utcDay),
            Field("Evidence-As-Of", asOf.rfc3339),
            Field("External-Identifier", payloadChecksum),
            Field("Payload-Oxum", payloadOxum),
            Field("Production-Decision", productionDecision),
        ] + additional
    }

    /// The file's text; a label or value that would break the line format is an error.
    func text(payloadOxum: String) throws(PackError) -> String {
        var out = ""
        for field in fields(payloadOxum: payloadOxum) {
            let label = field.label, value = field.value
            guard !label.isEmpty, !label.contains(":"), label.trimmed(" \t") == label,
                  !label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { throw PackError(BagIt.infoFile, "label '\(label)' is not a single-line label without ':'") }
            guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw PackError(BagIt.infoFile, "value of \(label) holds a control character")
            }
            out += "\(label): \(value)\n"
        }
        return out
    }
}

extension StringProtocol {
    fileprivate func trimmed(_ set: String) -> String {
        let characters = Set(set)
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
