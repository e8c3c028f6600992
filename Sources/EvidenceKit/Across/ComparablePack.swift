/// What `evpack diff` and `evpack history` compare of a pack: its recorded results (read back
/// from `data/evidence.xml`), the RFC 8785 checksum of each top-level section of its snapshot
/// and options, its record counts per kind, and whether it is signed.
///
/// Read with `ComparablePack.read`, which checks the pack first with verify's safety and BagIt
/// steps (`PackScanner`: a folder, or an archive read as one stream, never extracted).
public struct ComparablePack: Sendable {
    /// The path as given.
    public var path: String
    /// The bag's name: `evidence-<session>-bfg-<8 hex>`.
    public var name: String
    /// `folder` or `archive`.
    public var kind: String
    /// The pack holds `signature.json` (not checked against a key here: `evpack verify --key` does).
    public var signed: Bool
    /// The results, as `data/evidence.xml` records them (the one typed report). For `history`,
    /// check details, packet texts and the operations lists are dropped (`Detail.statuses`).
    public var report: EvidenceReport
    /// Each top-level member of `data/inputs/snapshot.json`, in document order, with the SHA-256
    /// of its RFC 8785 bytes.
    public var snapshotSections: [Section]
    /// The same for `data/inputs/options.json`.
    public var options: [Section]
    /// Accepted records per kind, in `RecordKind` order, then `rejected`; nil when no records
    /// were read for the pack.
    public var recordCounts: [RecordCount]?

    public struct Section: Sendable, Equatable {
        public var key: String
        /// 64 hex: SHA-256 of the section's RFC 8785 bytes.
        public var checksum: String
    }

    public struct RecordCount: Sendable, Equatable {
        public var kind: String
        public var accepted: Int
    }

    /// How much of the record to keep.
    public enum Detail: Sendable {
        /// Everything, packet texts too (`diff`).
        case full
        /// Statuses, decisions and checksums only (`history`, over many packs).
        case statuses
    }

    /// A pack that cannot be compared: unsafe, not a valid bag, or without readable results.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The pack as given.
        public var pack: String
        /// Every reason, one per line.
        public var reasons: [String]
        /// The pack could not be opened at all (missing, not a folder or an archive): an input
        /// error, not a pack that failed verification.
        public var unreadable = false

        public var description: String { "\(pack): \(summary)" }

        /// The first five reasons, and how many more there are.
        public var summary: String {
            let shown = reasons.prefix(5).joined(separator: "; ")
            return reasons.count > 5 ? shown + " (and \(reasons.count - 5) more; evpack verify names them all)" : shown
        }
    }

    static let snapshotPath = ReplayInput.inputsFolder + "/snapshot.json"
    static let optionsPath = ReplayInput.inputsFolder + "/options.json"
    /// The most bytes read into memory of one pack by default (its evidence.xml, snapshot and
    /// options together): a real pack's are a few hundred kilobytes.
    public static let budget: Int64 = 64 << 20

    /// Reads the pack at `path` after verify's safety and BagIt steps; throws when either fails,
    /// or when its results cannot be read (or hold more than `budget` bytes).
    public static func read(
        _ path: String, detail: Detail = .full, budget: Int64 = ComparablePack.budget, limits: VerifyLimits = VerifyLimits()
    ) throws(Failure) -> ComparablePack {
        let scan: PackScan
        do {
            scan = try PackScanner.scan(
                path, keepFilesUpTo: -1, budget: budget, paths: [ReplayInput.evidencePath, snapshotPath, optionsPath], limits: limits)
        } catch {
            throw Failure(pack: path, reasons: [error.reason], unreadable: true)
        }
        // Failures about the pack as a whole name it once, in the message's first words.
        let describe = { (failure: VerifyFailure) in failure.file == path ? failure.reason : failure.description }
        if !scan.safety.isEmpty {
            throw Failure(pack: path, reasons: scan.safety.map { "unsafe (archive safety): " + describe($0) })
        }
        if scan.kind == "archive", scan.topFolder == nil {
            throw Failure(pack: path, reasons: ["unsafe (archive safety): the archive holds no pack folder"])
        }
        if !scan.bag.failures.isEmpty {
            throw Failure(pack: path, reasons: scan.bag.failures.map { "not a valid BagIt bag: " + describe($0) })
        }
        func bytes(_ file: String) throws(Failure) -> [UInt8] {
            guard let entry = scan.files[file] else { throw Failure(pack: path, reasons: ["\(file) is missing: not an evidence pack"]) }
            guard let bytes = entry.bytes else {
                throw Failure(pack: path, reasons: ["\(file): too large to compare (\(entry.size) bytes; at most \(budget) bytes are read of a pack)"])
            }
            return bytes
        }
        var report: EvidenceReport
        do {
            report = try EvidenceXML.read(try bytes(ReplayInput.evidencePath))
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(pack: path, reasons: ["\(ReplayInput.evidencePath): \(error)"])
        }
        let snapshotSections = try sections(bytes(snapshotPath), file: snapshotPath, pack: path)
        let options = try sections(bytes(optionsPath), file: optionsPath, pack: path)
        let counts = recordCounts(report)
        if case .statuses = detail { report = report.statusesOnly }
        let name = scan.topFolder ?? lastComponent(path)
        return ComparablePack(
            path: path, name: name, kind: scan.kind, signed: scan.files[BagIt.signatureFile] != nil, report: report,
            snapshotSections: snapshotSections, options: options, recordCounts: counts)
    }

    /// Accepted records per kind, then the rejected lines, as the pack's operations report
    /// records them; nil when no records were read for the pack.
    static func recordCounts(_ report: EvidenceReport) -> [RecordCount]? {
        guard let counts = report.operations?.counts else { return nil }
        return RecordKind.allCases.map { RecordCount(kind: $0.rawValue, accepted: counts.accepted[$0] ?? 0) }
            + [RecordCount(kind: "rejected", accepted: counts.rejected)]
    }

    /// The top-level members of a JSON object file with the checksum of each one's RFC 8785 bytes.
    static func sections(_ bytes: [UInt8], file: String, pack: String) throws(Failure) -> [Section] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw Failure(pack: pack, reasons: ["\(file): \(error)"])
        }
        guard let object = value.objectValue else { throw Failure(pack: pack, reasons: ["\(file): not a JSON object"]) }
        return object.members.map { Section(key: $0.key, checksum: Checksum.sha256Hex(CanonicalJSON.bytes($0.value))) }
    }

    static func lastComponent(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed.split(separator: "/").last.map(String.init) ?? String(trimmed)
    }

    /// The session (the snapshot's), as the history groups packs.
    public var session: String { report.snapshot.session }
    /// As-of, RFC 3339.
    public var asOf: String { report.options.asOf }
}

extension EvidenceReport {
    /// The report without check details, facts, packet texts and the operations report (its
    /// counts are kept in `recordCounts`): what `history` keeps per pack.
    var statusesOnly: EvidenceReport {
        var copy = self
        copy.families = families.map { family in
            var family = family
            family.checks = family.checks.map { check in
                var check = check
                check.detail = ""
                return check
            }
            family.facts = []
            if var packet = family.packet {
                packet.text = ""
                family.packet = packet
            }
            return family
        }
        copy.inputs = []
        copy.operations = nil
        return copy
    }
}
