/// What changed between two packs (SPEC §10): the one model that `evpack diff` lays out as
/// text, JSON, Markdown or HTML, and that `evpack history` shortens for each pack.
public struct PackDiff: Sendable, Equatable {
    /// One side of the comparison.
    public struct Side: Sendable, Equatable {
        public var pack: String
        public var name: String
        public var session: String
        public var asOf: String
        public var payloadChecksum: String
        /// `GO` or `NO-GO`.
        public var decision: String
        public var blocking: String?
        public var signed: Bool

        public var isGo: Bool { decision == "GO" }
        /// `GO`, or `NO-GO` and the blocking decision.
        public var decisionText: String { blocking.map { "\(decision) \($0)" } ?? decision }
    }

    /// A family's N/M and decision before and after (nil on the side where it is missing).
    public struct Family: Sendable, Equatable {
        public var id: String
        public var before: State?
        public var after: State?

        public struct State: Sendable, Equatable {
            public var ready: Int
            public var total: Int
            public var decision: String?

            public var fraction: String { "\(ready)/\(total)" }
        }

        public var changed: Bool { before != after }
    }

    public enum CheckChangeKind: String, Sendable, CaseIterable {
        /// ready → not ready.
        case regressed
        /// not ready → ready.
        case fixed
        /// Between not-ready statuses.
        case changed
        /// Only in the new pack.
        case added
        /// Only in the old pack.
        case removed
    }

    /// A check whose status changed.
    public struct CheckChange: Sendable, Equatable {
        public var kind: CheckChangeKind
        public var family: String
        public var check: String
        /// nil when the check is only on the other side.
        public var before: String?
        public var after: String?
        /// The new pack's detail (the old one's for a removed check).
        public var detail: String
        public var owner: String?
    }

    /// A check not ready in the new pack.
    public struct NotReady: Sendable, Equatable {
        public var family: String
        public var check: String
        public var status: String
        public var detail: String
        public var owner: String?
    }

    /// A named part of the inputs whose checksum (or count) differs; nil on the side without it.
    public struct InputChange: Sendable, Equatable {
        public var key: String
        public var before: String?
        public var after: String?
    }

    public struct Inputs: Sendable, Equatable {
        /// The snapshot's payload checksum, when it changed.
        public var payload: InputChange?
        /// Top-level sections of `data/inputs/snapshot.json`, by RFC 8785 checksum.
        public var snapshotSections: [InputChange]
        /// Accepted records per kind (counts as text); empty when neither pack records counts.
        public var recordCounts: [InputChange]
        /// Top-level members of `data/inputs/options.json`, by RFC 8785 checksum.
        public var options: [InputChange]

        public var isEmpty: Bool { payload == nil && snapshotSections.isEmpty && recordCounts.isEmpty && options.isEmpty }
    }

    /// A packet whose checksum changed (or that is on one side only).
    public struct Packet: Sendable, Equatable {
        public var key: String
        public var file: String
        public var before: String?
        public var after: String?
        /// The unified diff of its text; nil when the texts were not kept (`history`).
        public var diff: UnifiedDiff?
    }

    public var old: Side
    public var new: Side
    /// Every family of either pack, in the new pack's order (then the old one's own).
    public var families: [Family]
    public var checks: [CheckChange]
    public var stillNotReady: [NotReady]
    public var inputs: Inputs
    public var packets: [Packet]

    /// The decision went from GO to NO-GO.
    public var decisionRegressed: Bool { old.isGo && !new.isGo }
    public var decisionChanged: Bool { old.decision != new.decision || old.blocking != new.blocking }
    /// What `--fail-on-regression` exits 3 on: a check regressed or the decision went GO → NO-GO.
    public var hasRegression: Bool { decisionRegressed || checks.contains { $0.kind == .regressed } }
    /// Nothing changed: decisions, families, checks, inputs and packets are the same.
    public var isUnchanged: Bool {
        !decisionChanged && !families.contains(where: \.changed) && checks.isEmpty && inputs.isEmpty && packets.isEmpty
    }

    public func checks(_ kind: CheckChangeKind) -> [CheckChange] { checks.filter { $0.kind == kind } }

    /// Compares `old` with `new`; with `packetText`, the texts of changed packets are diffed
    /// (`history` compares checksums only).
    public init(old: ComparablePack, new: ComparablePack, packetText: Bool = true) {
        self.old = Self.side(old)
        self.new = Self.side(new)
        let before = old.report, after = new.report
        var ids = after.families.map(\.id)
        for family in before.families where !ids.contains(family.id) { ids.append(family.id) }
        families = ids.map { id in
            Family(id: id.rawValue, before: before.family(id).map(Self.state), after: after.family(id).map(Self.state))
        }
        var checks: [CheckChange] = []
        var notReady: [NotReady] = []
        for id in ids {
            let oldChecks = before.family(id)?.checks ?? [], newChecks = after.family(id)?.checks ?? []
            let family = id.rawValue
            for check in newChecks {
                let previous = oldChecks.first { $0.id == check.id }
                if !check.isReady {
                    notReady.append(NotReady(family: family, check: check.id, status: check.status.rawValue, detail: check.detail, owner: check.owner))
                }
                guard previous?.status != check.status else { continue }
                let kind: CheckChangeKind
                switch (previous?.isReady, check.isReady) {
                case (nil, _): kind = .added
                case (true, _): kind = .regressed
                case (_, true): kind = .fixed
                default: kind = .changed
                }
                checks.append(CheckChange(
                    kind: kind, family: family, check: check.id, before: previous?.status.rawValue, after: check.status.rawValue,
                    detail: check.detail, owner: check.owner))
            }
            for check in oldChecks where !newChecks.contains(where: { $0.id == check.id }) {
                checks.append(CheckChange(
                    kind: .removed, family: family, check: check.id, before: check.status.rawValue, after: nil, detail: check.detail,
                    owner: check.owner))
            }
        }
        self.checks = checks
        stillNotReady = notReady
        inputs = Inputs(
            payload: before.snapshot.payloadChecksum == after.snapshot.payloadChecksum
                ? nil : InputChange(key: "payload", before: before.snapshot.payloadChecksum, after: after.snapshot.payloadChecksum),
            snapshotSections: Self.changes(old.snapshotSections, new.snapshotSections),
            recordCounts: Self.changes(
                (old.recordCounts ?? []).map { ($0.kind, String($0.accepted)) }, (new.recordCounts ?? []).map { ($0.kind, String($0.accepted)) }),
            options: Self.changes(old.options, new.options))
        var packets: [Packet] = []
        for id in ids {
            let a = before.family(id)?.packet, b = after.family(id)?.packet
            guard a != nil || b != nil, a?.checksum != b?.checksum || a?.sha256 != b?.sha256 else { continue }
            let diff = packetText ? UnifiedDiff(old: a?.text ?? "", new: b?.text ?? "") : nil
            packets.append(Packet(key: (b ?? a)!.key, file: (b ?? a)!.file, before: a?.checksum, after: b?.checksum, diff: diff))
        }
        self.packets = packets
    }

    static func side(_ pack: ComparablePack) -> Side {
        let record = pack.report
        return Side(
            pack: pack.path, name: pack.name, session: record.snapshot.session, asOf: record.options.asOf,
            payloadChecksum: record.snapshot.payloadChecksum, decision: record.production.decision,
            blocking: record.production.blocking, signed: pack.signed)
    }

    static func state(_ family: EvidenceReport.Family) -> Family.State {
        Family.State(ready: family.ready, total: family.total, decision: family.decision)
    }

    static func changes(_ old: [ComparablePack.Section], _ new: [ComparablePack.Section]) -> [InputChange] {
        changes(old.map { ($0.key, $0.checksum) }, new.map { ($0.key, $0.checksum) })
    }

    /// The keys whose value differs, in the new order, then the keys only the old side has.
    static func changes(_ old: [(String, String)], _ new: [(String, String)]) -> [InputChange] {
        let before = Dictionary(old, uniquingKeysWith: { _, last in last })
        let after = Dictionary(new, uniquingKeysWith: { _, last in last })
        var out: [InputChange] = []
        var seen = Set<String>()
        for (key, _) in new + old where seen.insert(key).inserted && before[key] != after[key] {
            out.append(InputChange(key: key, before: before[key], after: after[key]))
        }
        return out
    }
}
