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

/// The one typed report of an evaluation: every figure any format shows. Text and JSON
/// (`CheckReport`), `evidence.xml` (`EvidenceXML`), the pages (`HTMLRenderer`), `junit.xml`
/// (`JUnitReport`) and the Markdown summary (`MarkdownSummary`) only lay it out; a new figure
/// is a field here plus each renderer's line for it.
///
/// Build one from an evaluation with `init(evaluation:inputs:text:)`, read one back from a
/// pack with `EvidenceXML.read`; with `text: .xmlSafe` the two are equal when the pack holds
/// that evaluation (the operations report included). `evpack verify` replays the checks and
/// compares with `differences(from:)`.
public struct EvidenceReport: Sendable, Equatable {
    public static let formatVersion = 1
    public static let namespace = "urn:evidencepack:evidence-pack:1"

    public var formatVersion: Int
    public var toolVersion: String
    public var snapshot: SnapshotInfo
    public var options: Options
    public var production: Production
    /// Family results in evaluation order.
    public var families: [Family]
    /// What the records showed; nil when no records were read.
    public var operations: OperationsSummary?
    /// The files under `data/inputs/` (empty until the pack's inputs are written).
    public var inputs: [PackFileDigest]

    /// How strings from the inputs are kept.
    public enum TextForm: Sendable {
        /// As the evaluation has them (text and JSON output).
        case asEvaluated
        /// As `evidence.xml` stores them: characters XML 1.0 forbids replaced by U+FFFD.
        case xmlSafe
    }

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

        public var isGo: Bool { decision == "GO" }
        /// "Production NO-GO — BLOCKED_PENDING_DRY_RUN" or "Production GO".
        public var summary: String { isGo ? "Production GO" : "Production NO-GO — \(blocking ?? "")" }
    }

    public struct Family: Sendable, Equatable {
        public var id: FamilyID
        public var contract: String?
        public var ready: Int
        public var total: Int
        public var complete: Bool
        public var decision: String?
        public var successDecision: String?
        public var checks: [Check]
        public var facts: [Fact]
        public var packet: Packet?

        /// "3/5".
        public var count: String { fraction(ready, total) }
        public func fact(_ key: String) -> String? { facts.first { $0.key == key }?.value }
        public func check(_ id: String) -> Check? { checks.first { $0.id == id } }
    }

    public struct Check: Sendable, Equatable {
        public var id: String
        public var status: CheckStatus
        public var detail: String
        public var owner: String?

        public var isReady: Bool { status == .ready }
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

        /// The file name under `data/packets/`.
        public var fileName: String { file.hasPrefix("packets/") ? String(file.dropFirst("packets/".count)) : file }
    }

    /// The report of `evaluation`; `inputs` are the digests of the files under `data/inputs/`.
    public init(evaluation: Evaluation, inputs: [PackFileDigest] = [], text form: TextForm = .asEvaluated) {
        func s(_ text: String) -> String { form == .xmlSafe ? XMLText.sanitized(text) : text }
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
                id: family.id, contract: family.contract.map(s), ready: family.ready, total: family.total,
                complete: family.isComplete, decision: family.decision, successDecision: family.successDecision,
                checks: family.checks.map { Check(id: $0.id, status: $0.status, detail: s($0.detail), owner: $0.owner.map(s)) },
                facts: family.facts.map { Fact(key: s($0.key), value: s($0.value)) },
                packet: family.packet.map { packet in
                    Packet(key: packet.key, file: "packets/" + packet.fileName, checksum: packet.checksum,
                           sha256: packet.sha256, bytes: packet.text.utf8.count, text: s(packet.text))
                })
        }
        self.operations = evaluation.operations.map { operations in
            var o = form == .xmlSafe ? operations.mappingText(s) : operations
            // Every kind counted, as evidence.xml lists them.
            o.counts.accepted = Dictionary(uniqueKeysWithValues: RecordKind.allCases.map { ($0, operations.counts.accepted[$0] ?? 0) })
            return o
        }
        self.inputs = inputs
    }

    public init(formatVersion: Int, toolVersion: String, snapshot: SnapshotInfo, options: Options, production: Production,
                families: [Family], operations: OperationsSummary?, inputs: [PackFileDigest]) {
        self.formatVersion = formatVersion
        self.toolVersion = toolVersion
        self.snapshot = snapshot
        self.options = options
        self.production = production
        self.families = families
        self.operations = operations
        self.inputs = inputs
    }

    public func family(_ id: FamilyID) -> Family? { families.first { $0.id == id } }

    /// Rejected record lines in all (the first ones are listed).
    public var rejectsTotal: Int { operations?.counts.rejected ?? 0 }

    /// The record counts (accepted per kind, rejected, duplicates, expired); zero without records.
    public var records: IngestCounts { operations?.counts ?? IngestCounts() }

    /// Packets in the order families produce them.
    public var packets: [Packet] { families.compactMap(\.packet) }

    /// The checks that are not ready, family by family in evaluation order.
    public var openChecks: [(family: FamilyID, check: Check)] {
        families.flatMap { family in family.checks.filter { !$0.isReady }.map { (family.id, $0) } }
    }

    /// What differs between this report (recorded) and `replayed`, one line each, in a stable
    /// order: the payload checksum, as-of, the production decision, then every family, check
    /// status and detail, decision, fact and packet, then what the records showed. Empty when
    /// the results are the same. The tool version and input digests are not compared, nor the
    /// counts of the original ingest (rejected, duplicates, expired lines and the rejects
    /// listed): the pack keeps the accepted records only, so a replay cannot see them again
    /// (SPEC §6). Everything else the operations report holds comes from the accepted records
    /// and is compared (when no line was accepted there is nothing to replay).
    public func differences(from replayed: EvidenceReport) -> [String] {
        var out: [String] = []
        func compare<T: Equatable>(_ what: String, _ recorded: T, _ now: T) {
            if recorded != now { out.append("\(what): recorded \(describe(recorded)), replay gives \(describe(now))") }
        }
        compare("payload checksum", snapshot.payloadChecksum, replayed.snapshot.payloadChecksum)
        compare("as-of", options.asOf, replayed.options.asOf)
        compare("production decision", production.decision, replayed.production.decision)
        compare("production blocking", production.blocking, replayed.production.blocking)
        compare("families", families.map(\.id.rawValue), replayed.families.map(\.id.rawValue))
        for family in families {
            guard let other = replayed.family(family.id) else { continue }
            let f = "family \(family.id.rawValue)"
            compare("\(f) ready", family.count, other.count)
            compare("\(f) decision", family.decision, other.decision)
            compare("\(f) checks", family.checks.map(\.id), other.checks.map(\.id))
            for check in family.checks {
                guard let now = other.checks.first(where: { $0.id == check.id }) else { continue }
                compare("\(f) check \(check.id) status", check.status.rawValue, now.status.rawValue)
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
        // Records that were all rejected leave an operations report the pack cannot replay.
        func replayable(_ operations: OperationsSummary?) -> Bool { operations.map { $0.counts.totalAccepted > 0 } ?? false }
        compare("operations", replayable(operations) ? "recorded" : "none", replayable(replayed.operations) ? "recorded" : "none")
        if replayable(operations), let recorded = operations, let now = replayed.operations {
            for (section, differs) in recorded.sectionsDiffering(from: now) where differs {
                out.append("operations \(section): the recorded figures differ from the replayed records")
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

extension OperationsSummary {
    /// Each section that a replay recomputes from the accepted records, and whether it
    /// differs from `other` (the original ingest's counts are not among them).
    func sectionsDiffering(from other: OperationsSummary) -> [(String, Bool)] {
        [
            ("window", window != other.window || windowStart != other.windowStart || windowEnd != other.windowEnd),
            ("accepted records", counts.accepted != other.counts.accepted),
            ("stuck runs", stuckRuns != other.stuckRuns),
            ("failed runs", failedRuns != other.failedRuns),
            ("runs by outcome", runsByOutcome != other.runsByOutcome),
            ("records per day", recordsPerDay != other.recordsPerDay),
            ("active controls", activeControls != other.activeControls),
            ("deploy findings", deployFindings != other.deployFindings),
            ("health", health != other.health),
            ("telemetry", telemetry != other.telemetry),
        ]
    }

    /// The summary with every free-text string passed through `f` (names, notes, reasons,
    /// messages; ids and timestamps as well, so nothing escapes it).
    func mappingText(_ f: (String) -> String) -> OperationsSummary {
        var o = self
        o.window = f(window)
        o.rejects = rejects.map { RecordReject(file: f($0.file), line: $0.line, kind: $0.kind, reason: f($0.reason)) }
        func run(_ r: RunSummary) -> RunSummary {
            RunSummary(id: f(r.id), type: f(r.type), status: f(r.status), outcome: r.outcome.map(f), workspaceID: f(r.workspaceID),
                       createdAt: r.createdAt, startedAt: r.startedAt, completedAt: r.completedAt, note: f(r.note))
        }
        o.stuckRuns.items = stuckRuns.items.map(run)
        o.failedRuns.items = failedRuns.items.map(run)
        o.runsByOutcome = runsByOutcome.map { Count(f($0.label), $0.value) }
        o.recordsPerDay = recordsPerDay.map { Count(f($0.label), $0.value) }
        o.activeControls = activeControls.map {
            ControlSummary(id: f($0.id), controlKey: f($0.controlKey), scope: f($0.scope), workspaceID: $0.workspaceID.map(f),
                           actorID: f($0.actorID), activatedAt: $0.activatedAt, expiresAt: $0.expiresAt, reason: f($0.reason))
        }
        o.deployFindings.items = deployFindings.items.map {
            DeployFinding(jobID: f($0.jobID), project: f($0.project), environment: f($0.environment), rule: f($0.rule), message: f($0.message))
        }
        o.health = health.map { WorkspaceHealth(workspace: f($0.workspace), level: $0.level, reasons: $0.reasons.map(f)) }
        o.telemetry = telemetry.map { TelemetryFamily(family: f($0.family), events: $0.events, workspaces: $0.workspaces) }
        return o
    }
}
