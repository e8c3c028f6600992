import EvidenceKit
import PostgresNIO

/// What a rehearsal replays: the snapshot, its payload and audit events, the runbook packet.
public struct RehearsalPlan: Sendable {
    public var snapshot: Snapshot
    /// The payload object exactly as given (its RFC 8785 bytes are what the replay writes).
    public var payload: JSONValue
    public var auditEvents: [AuditEvent]
    /// The exact text of `data/packets/runbook.sql` for this snapshot.
    public var runbookSQL: String
    /// The actor the session and the evidence are recorded for (nil: none named).
    public var actor: String?
    public var recordedAt: Instant
    public var target: RehearsalTarget
    public var connectTimeoutSeconds: Int64

    /// One `rows.audit_events` row: what the replay writes and looks for.
    public struct AuditEvent: Sendable {
        public var id: String
        public var actorID: String
        public var source: String
        public var body: JSONValue
    }

    public var replayID: String {
        let stamp = recordedAt.rfc3339.filter { $0 != "-" && $0 != ":" }
        return "replay-\(snapshot.payloadChecksumShort)-\(stamp)"
    }
}

/// The evidence a rehearsal recorded: the `connection` and `dry_run` objects of the snapshot.
public struct RehearsalEvidence: Sendable {
    public var connection: JSONObject
    public var dryRun: JSONObject
    /// A probe or a step failed (exit 1); the evidence says which.
    public var failed: Bool
}

/// Records connection and dry-run evidence against a PostgreSQL target (SPEC §9).
///
/// Every dry-run step runs inside one transaction that is rolled back at the end; the last
/// step proves the target's `bfg_flowcontrol` objects and row counts are as they were.
public enum Rehearsal {
    /// A tenant id no snapshot uses: a session with it must see no actor.
    static let isolationProbeTenant = "evpack-isolation-probe"

    public static func run(_ plan: RehearsalPlan, password: String) async -> RehearsalEvidence {
        var connection = ConnectionProbe(plan: plan)
        let session = await connection.open(password: password)
        if let session { await connection.probe(session) }
        var dryRun = DryRunReplay(plan: plan, session: session, connectFailure: connection.failure)
        await dryRun.run()
        await session?.close()
        return RehearsalEvidence(
            connection: connection.evidence, dryRun: dryRun.evidence,
            failed: connection.failed || dryRun.failed
        )
    }
}

/// ProductionAdapterConnection.v1: reach the target, read its certificate, probe a write.
struct ConnectionProbe {
    let plan: RehearsalPlan
    var transcript: [String] = []
    var reachable = false
    var fingerprint: String?
    var written = false
    var readBack = false
    var sessionActor: String?
    /// Why the session could not be opened or used.
    var failure: String?

    init(plan: RehearsalPlan) {
        self.plan = plan
    }

    var failed: Bool { !reachable || !written || !readBack }

    mutating func open(password: String) async -> TargetSession? {
        let target = plan.target
        transcript.append("connect \(target.redacted) as \(target.user) (sslmode=\(target.sslMode.rawValue), timeout \(plan.connectTimeoutSeconds) s)")
        do {
            let session = try await TargetSession.open(target, password: password, connectTimeout: plan.connectTimeoutSeconds)
            fingerprint = session.fingerprint
            if let fingerprint {
                transcript.append("TLS session; server certificate \(fingerprint)")
            } else {
                transcript.append("unencrypted session (sslmode=disable): no server certificate to record")
            }
            return session
        } catch {
            fingerprint = error.fingerprint
            if let fingerprint = error.fingerprint { transcript.append("TLS session; server certificate \(fingerprint)") }
            failure = error.description
            transcript.append("failed: \(error.description)")
            return nil
        }
    }

    mutating func probe(_ session: TargetSession) async {
        do {
            let one = try await session.rows("select 1").first.map { try $0.decode(Int32.self) }
            reachable = one == 1
            transcript.append("select 1 -> \(one.map(String.init) ?? "no row")")
        } catch {
            failure = TargetSession.describe(error)
            transcript.append("select 1 failed: \(failure ?? "")")
            return
        }
        if let actor = plan.actor {
            sessionActor = actor
            transcript.append("session recorded for actor \(actor)")
        } else {
            transcript.append("no actor named (--actor, or infrastructure.owner): rbac_actor not recorded")
        }
        let nonce = Checksum.hex((0..<32).map { _ in UInt8.random(in: .min ... .max) })
        do {
            try await session.rows("begin")
            try await session.rows("create temporary table evpack_write_probe (nonce text not null) on commit drop")
            let inserted = try await session.rows("insert into evpack_write_probe (nonce) values ($1) returning 1", [nonce])
            written = inserted.count == 1
            let back = try await session.strings("select nonce from evpack_write_probe")
            readBack = back == [nonce]
            try await session.rows("rollback")
            transcript.append("write probe: \(written ? "wrote" : "did not write") a 64-hex nonce into a temporary table; read back \(readBack ? "the same bytes" : "something else"); rolled back")
        } catch {
            _ = try? await session.rows("rollback")
            transcript.append("write probe failed: \(TargetSession.describe(error))")
        }
    }

    var evidence: JSONObject {
        JSONObject([
            "snapshot_checksum": .string(plan.snapshot.payloadChecksum),
            "endpoint": .string(plan.target.redacted),
            "reachable": .bool(reachable),
            "tls_fingerprint": fingerprint.map(JSONValue.string) ?? .null,
            "rbac_actor": sessionActor.map(JSONValue.string) ?? .null,
            "write_probe": .object(JSONObject(["written": .bool(written), "read_back": .bool(readBack)])),
            "recorded_at": .string(plan.recordedAt.rfc3339),
            "recorded_by": plan.actor.map(JSONValue.string) ?? .null,
            "transcript": .string(transcript.joined(separator: "\n")),
        ])
    }
}
