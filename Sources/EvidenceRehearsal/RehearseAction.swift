import EvidenceKit

/// `evpack rehearse`: records connection and dry-run evidence against the target and writes
/// the snapshot again with them (SPEC §9); the payload, and so its checksum, is untouched.
public struct RehearseAction: Sendable {
    public var snapshotPath: String
    public var targetURL: String
    /// `--actor`; the snapshot's `infrastructure.owner` when nil.
    public var actor: String?
    /// Where the rehearsed snapshot goes; `<snapshot>.rehearsed.json` beside it when nil, `-` for stdout.
    public var outPath: String?
    /// The evidence's `recorded_at` / `ran_at`.
    public var recordedAt: Instant
    public var connectTimeoutSeconds: Int64
    public var environment: [String: String]

    public init(
        snapshotPath: String, targetURL: String, actor: String? = nil, outPath: String? = nil, recordedAt: Instant,
        connectTimeoutSeconds: Int64 = 10, environment: [String: String]
    ) {
        self.snapshotPath = snapshotPath
        self.targetURL = targetURL
        self.actor = actor
        self.outPath = outPath
        self.recordedAt = recordedAt
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.environment = environment
    }

    /// What a rehearsal wrote, and how `evpack check` judges it.
    public struct Outcome: Sendable {
        /// The rehearsed snapshot file, or nil when it went to stdout.
        public var outPath: String?
        /// The rehearsed snapshot's bytes.
        public var bytes: [UInt8]
        public var evidence: RehearsalEvidence
        /// The rehearsed snapshot evaluated as `check` would (no records).
        public var evaluation: Evaluation
        public var target: RehearsalTarget
    }

    /// The default output: `demo-local.json` → `demo-local.rehearsed.json`, beside it.
    public static func defaultOutPath(for snapshotPath: String) -> String {
        let stem = snapshotPath.hasSuffix(".json") ? String(snapshotPath.dropLast(5)) : snapshotPath
        return stem + ".rehearsed.json"
    }

    /// Validates everything that can be validated offline, then rehearses and writes.
    public func perform() async throws(InputError) -> Outcome {
        let target = try RehearsalTarget.parse(targetURL)
        let (snapshot, bytes) = try InputFile.snapshot(snapshotPath)
        if let root = target.sslRootCert, !InputFile.isRegularFile(root) {
            throw .cannotRead(path: root, reason: "sslrootcert is not a readable file")
        }
        let actorID = actor ?? snapshot.infrastructure.owner
        if let actor, snapshot.actor(actor) == nil {
            throw .invalidOption(name: "--actor", message: "\(actor) is not an actor of \(snapshotPath); actors: \(snapshot.actors.map(\.id).joined(separator: ", "))")
        }
        let password = try Credentials.password(credentialsRef: snapshot.credentialsRef, environment: environment)
        // The snapshot was read (and validated) above, so its bytes are one JSON object.
        guard case .object(let document)? = try? JSONParser.parse(bytes, maxDepth: SnapshotReader.maxDepth) else {
            throw .cannotRead(path: snapshotPath, reason: "not a JSON object")
        }
        guard let runbook = Evaluator.evaluate(snapshot).family(.runbook)?.packet?.text else {
            throw .invalidOption(name: snapshotPath, message: "the runbook packet could not be made")
        }
        let plan = RehearsalPlan(
            snapshot: snapshot, payload: SnapshotReader.payload(of: document), auditEvents: Self.auditEvents(of: document),
            runbookSQL: runbook, actor: actorID, recordedAt: recordedAt, target: target,
            connectTimeoutSeconds: connectTimeoutSeconds
        )
        let evidence = await Rehearsal.run(plan, password: password)
        var rehearsed = document
        rehearsed["connection"] = .object(evidence.connection)
        rehearsed["dry_run"] = .object(evidence.dryRun)
        let out = Array(JSONWriter.pretty(.object(rehearsed)).utf8)
        let destination = outPath ?? Self.defaultOutPath(for: snapshotPath)
        let written: Snapshot
        do {
            written = try SnapshotReader.read(out, file: destination)
        } catch {
            // The evidence evpack wrote must read back; anything else is a bug, reported as such.
            throw .invalidSnapshot(error)
        }
        if destination != "-" {
            do {
                try FileWriter.write(out, to: destination)
            } catch {
                throw .invalidOption(name: "--out", message: error.description)
            }
        }
        return Outcome(
            outPath: destination == "-" ? nil : destination, bytes: out, evidence: evidence,
            evaluation: Evaluator.evaluate(written), target: target
        )
    }

    static func auditEvents(of document: JSONObject) -> [RehearsalPlan.AuditEvent] {
        guard let rows = document["rows"]?["audit_events"]?.arrayValue else { return [] }
        return rows.compactMap { row in
            guard let id = row["id"]?.stringValue, let actor = row["actor_id"]?.stringValue else { return nil }
            return RehearsalPlan.AuditEvent(id: id, actorID: actor, source: row["source"]?.stringValue ?? "", body: row)
        }
    }
}
