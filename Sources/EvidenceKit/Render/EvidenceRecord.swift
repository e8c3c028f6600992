/// The digest of one file of the pack, as `evidence.xml` lists it under `<inputs>`.
public struct PackFileDigest: Sendable, Equatable {
    /// The path under `data/`, e.g. `inputs/snapshot.json`.
    public var path: String
    /// 64 lowercase hex digits.
    public var sha256: String
    public var bytes: Int

    public init(path: String, sha256: String, bytes: Int) {
        self.path = path
        self.sha256 = sha256
        self.bytes = bytes
    }
}

/// What `data/evidence.xml` records about an evaluation, in a form that compares: build one
/// from an evaluation with `init(evaluation:inputs:)`, read one back with `EvidenceXML.read`,
/// and the two are equal when the pack holds that evaluation. `evpack verify` replays the
/// checks and compares with `differences(from:)`.
///
/// Strings are as written to XML: characters XML 1.0 forbids are replaced by U+FFFD. The
/// operations section is written to the XML but not read back here (its totals are reports,
/// and the operations family's checks and decision are in `families`).
public struct EvidenceRecord: Sendable, Equatable {
    public static let formatVersion = 1
    public static let namespace = "urn:evidencepack:evidence-pack:1"

    public var formatVersion: Int
    public var toolVersion: String
    public var snapshot: SnapshotInfo
    public var options: Options
    public var production: Production
    public var families: [Family]
    /// Rejected record lines in all (the first ones are listed in the XML).
    public var rejectsTotal: Int
    public var inputs: [PackFileDigest]

    public struct SnapshotInfo: Sendable, Equatable {
        public var schema: String
        public var session: String
        public var tenant: String
        public var capturedAt: String
        public var rows: Int
        public var payloadChecksum: String
        public var payloadChecksumShort: String
    }

    public struct Options: Sendable, Equatable {
        public var asOf: String
        public var window: String
        public var stuckQueuedMinutes: Int
        public var stuckRunningMinutes: Int
    }

    public struct Production: Sendable, Equatable {
        /// `GO` or `NO-GO`.
        public var decision: String
        public var blocking: String?
        public var blockingFamily: String?
    }

    public struct Family: Sendable, Equatable {
        public var id: String
        public var contract: String?
        public var ready: Int
        public var total: Int
        public var complete: Bool
        public var decision: String?
        public var successDecision: String?
        public var checks: [Check]
        public var facts: [Fact]
        public var packet: Packet?
    }

    public struct Check: Sendable, Equatable {
        public var id: String
        public var status: String
        public var detail: String
        public var owner: String?
    }

    public struct Fact: Sendable, Equatable {
        public var key: String
        public var value: String
    }

    public struct Packet: Sendable, Equatable {
        public var key: String
        /// The path under `data/`: `packets/runbook.sql`.
        public var file: String
        public var checksum: String
        public var sha256: String
        public var bytes: Int
        public var text: String
    }

    /// The record of `evaluation`; `inputs` are the digests of the files under `data/inputs/`.
    public init(evaluation: Evaluation, inputs: [PackFileDigest]) {
        let s = XMLText.sanitized
        let snapshot = evaluation.snapshot
        let options = evaluation.options
        self.formatVersion = Self.formatVersion
        self.toolVersion = EvidencePack.version
        self.snapshot = SnapshotInfo(
            schema: Snapshot.schemaName, session: s(snapshot.session), tenant: s(snapshot.tenant.id),
            capturedAt: snapshot.capturedAt.rfc3339, rows: snapshot.rowCount,
            payloadChecksum: snapshot.payloadChecksum, payloadChecksumShort: snapshot.payloadChecksumShort)
        self.options = Options(asOf: options.asOf.rfc3339, window: options.window.rawValue,
                               stuckQueuedMinutes: options.stuckQueuedMinutes, stuckRunningMinutes: options.stuckRunningMinutes)
        let production = evaluation.production
        self.production = Production(decision: production.decision, blocking: production.blocking,
                                     blockingFamily: production.blockingFamily?.rawValue)
        self.families = evaluation.families.map { family in
            Family(
                id: family.id.rawValue, contract: family.contract.map(s), ready: family.ready, total: family.total,
                complete: family.isComplete, decision: family.decision, successDecision: family.successDecision,
                checks: family.checks.map { Check(id: $0.id, status: $0.status.rawValue, detail: s($0.detail), owner: $0.owner.map(s)) },
                facts: family.facts.map { Fact(key: s($0.key), value: s($0.value)) },
                packet: family.packet.map { packet in
                    Packet(key: packet.key, file: "packets/" + packet.fileName, checksum: packet.checksum,
                           sha256: packet.sha256, bytes: packet.text.utf8.count, text: s(packet.text))
                })
        }
        self.rejectsTotal = evaluation.operations?.counts.rejected ?? 0
        self.inputs = inputs
    }

    public init(formatVersion: Int, toolVersion: String, snapshot: SnapshotInfo, options: Options, production: Production,
                families: [Family], rejectsTotal: Int, inputs: [PackFileDigest]) {
        self.formatVersion = formatVersion
        self.toolVersion = toolVersion
        self.snapshot = snapshot
        self.options = options
        self.production = production
        self.families = families
        self.rejectsTotal = rejectsTotal
        self.inputs = inputs
    }

    public func family(_ id: String) -> Family? { families.first { $0.id == id } }

    /// What differs between this record (recorded) and `replayed`, one line each, in a
    /// stable order: the payload checksum, as-of, the production decision, then every family,
    /// check status and detail, decision, fact and packet. Empty when the results are the same.
    /// The tool version, input digests and rejects are not compared.
    public func differences(from replayed: EvidenceRecord) -> [String] {
        var out: [String] = []
        func compare<T: Equatable>(_ what: String, _ recorded: T, _ now: T) {
            if recorded != now { out.append("\(what): recorded \(describe(recorded)), replay gives \(describe(now))") }
        }
        compare("payload checksum", snapshot.payloadChecksum, replayed.snapshot.payloadChecksum)
        compare("as-of", options.asOf, replayed.options.asOf)
        compare("production decision", production.decision, replayed.production.decision)
        compare("production blocking", production.blocking, replayed.production.blocking)
        compare("families", families.map(\.id), replayed.families.map(\.id))
        for family in families {
            guard let other = replayed.family(family.id) else { continue }
            let f = "family \(family.id)"
            compare("\(f) ready", "\(family.ready)/\(family.total)", "\(other.ready)/\(other.total)")
            compare("\(f) decision", family.decision, other.decision)
            compare("\(f) checks", family.checks.map(\.id), other.checks.map(\.id))
            for check in family.checks {
                guard let now = other.checks.first(where: { $0.id == check.id }) else { continue }
                compare("\(f) check \(check.id) status", check.status, now.status)
                compare("\(f) check \(check.id) detail", check.detail, now.detail)
                compare("\(f) check \(check.id) owner", check.owner, now.owner)
            }
            compare("\(f) facts", family.facts.map { "\($0.key)=\($0.value)" }, other.facts.map { "\($0.key)=\($0.value)" })
            compare("\(f) packet", family.packet?.key, other.packet?.key)
            if let packet = family.packet, let now = other.packet {
                compare("\(f) packet \(packet.key) checksum", packet.checksum, now.checksum)
                compare("\(f) packet \(packet.key) sha256", packet.sha256, now.sha256)
                compare("\(f) packet \(packet.key) text", packet.text, now.text)
            }
        }
        return out
    }

    private func describe<T>(_ value: T) -> String {
        if let optional = value as? String? {
            guard let text = optional else { return "none" }
            return "'\(text)'"
        }
        return "\(value)"
    }
}
