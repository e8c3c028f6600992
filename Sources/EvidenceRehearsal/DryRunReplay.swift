import EvidenceKit
import PostgresNIO

/// ProductionAdapterDryRun.v1: the five steps, inside one transaction rolled back at the end.
struct DryRunReplay {
    let plan: RehearsalPlan
    let session: TargetSession?
    let connectFailure: String?
    var steps: [(DryRunStep, passed: Bool, transcript: String)] = []
    var verified: [RunbookObject] = []

    init(plan: RehearsalPlan, session: TargetSession?, connectFailure: String?) {
        self.plan = plan
        self.session = session
        self.connectFailure = connectFailure
    }

    var failed: Bool { steps.count < DryRunStep.allCases.count || steps.contains { !$0.passed } }

    /// A step that cannot go on: its transcript so far and the reason.
    struct StepFailure: Error {
        var lines: [String]
    }

    mutating func run() async {
        record(.snapshotExport, exportTranscript())
        guard let session else {
            fail(.schemaMapValidation, ["not connected: \(connectFailure ?? "no session")"])
            return
        }
        let before: CatalogState
        do {
            before = try await CatalogState.read(session)
        } catch {
            fail(.schemaMapValidation, ["cannot read the catalog before the replay: \(TargetSession.describe(error))"])
            return
        }
        do {
            try await session.rows("begin")
        } catch {
            fail(.schemaMapValidation, ["begin failed: \(TargetSession.describe(error))"])
            return
        }
        var failedEarly = false
        var current = DryRunStep.schemaMapValidation
        do throws(StepFailure) {
            let schema = try await schemaMap(session)
            record(current, schema)
            current = .rbacClaimsRehearsal
            let rbac = try await rbacClaims(session)
            record(current, rbac)
            current = .adapterReplayTranscript
            let replayed = try await replay(session)
            record(current, replayed)
        } catch {
            fail(current, error.lines)
            failedEarly = true
        }
        let checkpoint = await rollback(session, before: before)
        if !failedEarly {
            record(.rollbackCheckpoint, checkpoint.lines, passed: checkpoint.passed)
        }
    }

    mutating func record(_ step: DryRunStep, _ lines: [String], passed: Bool = true) {
        steps.append((step, passed, lines.joined(separator: "\n")))
    }

    /// Records `step` as failed and every later step as not reached.
    mutating func fail(_ step: DryRunStep, _ lines: [String]) {
        steps.append((step, false, (["failed"] + lines).joined(separator: "\n")))
        for later in DryRunStep.allCases.drop(while: { $0 != step }).dropFirst() {
            steps.append((later, false, "failed: not reached"))
        }
    }

    // MARK: - the steps

    /// Runs one part of a step; a failure ends the step with its lines so far and the reason.
    func attempt<T>(_ what: String, after lines: [String], _ body: () async throws -> T) async throws(StepFailure) -> T {
        do {
            return try await body()
        } catch {
            throw StepFailure(lines: lines + ["\(what): \(TargetSession.describe(error))"])
        }
    }

    func exportTranscript() -> [String] {
        let bytes = CanonicalJSON.bytes(plan.payload)
        let snapshot = plan.snapshot
        let counts = RowGroup.allCases.map { "\($0.rawValue)=\(snapshot.rowCount($0))" }.joined(separator: " ")
        return [
            "payload exported as RFC 8785 JSON: \(bytes.count) bytes, sha256 \(Checksum.sha256Hex(bytes)) (\(snapshot.payloadChecksumShort))",
            "rows \(counts) total=\(snapshot.rowCount)",
        ]
    }

    mutating func schemaMap(_ session: TargetSession) async throws(StepFailure) -> [String] {
        let sql = plan.runbookSQL
        let statements = RunbookSQL.statements(of: sql)
        var lines = ["runbook packet \(Checksum.shortSHA256(Array(sql.utf8))) (\(sql.utf8.count) bytes): \(statements.count) statements"]
        for (index, statement) in statements.enumerated() {
            do {
                try await session.rows(statement)
            } catch {
                throw StepFailure(lines: lines + ["statement \(index + 1) (\(Self.summary(statement))): \(TargetSession.describe(error))"])
            }
        }
        lines.append("ran \(statements.count) of \(statements.count) statements")
        let catalog: Catalog
        do {
            catalog = try await Catalog.read(session)
        } catch {
            throw StepFailure(lines: lines + ["cannot read the catalog back: \(TargetSession.describe(error))"])
        }
        let outline = RunbookOutline(sql: sql)
        var problems: [String] = []
        for (name, columns) in outline.tables {
            guard let found = catalog.columns[name] else {
                problems.append("table bfg_flowcontrol.\(name) is missing")
                continue
            }
            let missing = columns.filter { !found.contains($0) }
            if missing.isEmpty, let object = RunbookObject(rawValue: name) {
                verified.append(object)
                lines.append("table \(name): \(columns.count) runbook columns present")
            } else if !missing.isEmpty {
                problems.append("table bfg_flowcontrol.\(name) lacks the runbook column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))")
            }
        }
        let rlsChecks: [(RunbookObject, found: Set<String>, present: String, absent: String)] = [
            (.rlsEnabled, catalog.rowSecurity, "row level security enabled on", "row level security is not enabled on"),
            (.tenantPolicies, catalog.tenantPolicies, "tenant policy (bfg.tenant_id) on", "no tenant policy on"),
        ]
        for (object, found, present, absent) in rlsChecks {
            let lacking = outline.rlsTables.filter { !found.contains($0) }
            if lacking.isEmpty {
                verified.append(object)
                lines.append("\(present) \(outline.rlsTables.joined(separator: ", "))")
            } else {
                problems.append("\(absent) \(lacking.joined(separator: ", "))")
            }
        }
        lines.append("verified objects \(verified.count)/\(RunbookObject.allCases.count): \(verified.map(\.rawValue).joined(separator: ", "))")
        if !problems.isEmpty { throw StepFailure(lines: lines + problems) }
        return lines
    }

    func rbacClaims(_ session: TargetSession) async throws(StepFailure) -> [String] {
        var lines: [String] = []
        let role = try await attempt("reading the session role", after: lines) {
            try await session.rows("select current_user::text, rolsuper, rolbypassrls from pg_roles where rolname = current_user").first
                .map { try $0.decode((String, Bool, Bool).self) }
        }
        guard let (user, superuser, bypass) = role else {
            throw StepFailure(lines: ["the session role is not in pg_roles"])
        }
        if superuser || bypass {
            throw StepFailure(lines: [
                "connected as \(user), a \(superuser ? "superuser" : "BYPASSRLS role"): row level security does not apply to it, so tenant isolation cannot be proven",
                "connect as the application role (a role without SUPERUSER and BYPASSRLS)",
            ])
        }
        lines.append("session role \(user): not a superuser, no BYPASSRLS")
        let outline = RunbookOutline(sql: plan.runbookSQL)
        let owned = try await attempt("reading table owners", after: lines) {
            try await session.strings(
                "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'bfg_flowcontrol' and c.relname = any($1) and pg_has_role(current_user, c.relowner, 'USAGE') order by 1",
                [outline.rlsTables]
            )
        }
        for table in owned {
            _ = try await attempt("forcing row level security on \(table)", after: lines) {
                try await session.rows("alter table bfg_flowcontrol.\(table) force row level security")
            }
        }
        lines.append("row level security forced on \(owned.isEmpty ? "none (the tables belong to another role, so it applies already)" : owned.joined(separator: ", "))")
        let snapshot = plan.snapshot
        var tenants = [snapshot.tenant.id]
        for actor in snapshot.actors where !tenants.contains(actor.tenant) { tenants.append(actor.tenant) }
        for tenant in tenants {
            let name = tenant == snapshot.tenant.id ? snapshot.tenant.name ?? tenant : tenant
            _ = try await attempt("inserting tenant \(tenant)", after: lines) {
                try await session.rows("insert into bfg_flowcontrol.tenants (tenant_id, name) values ($1, $2)", [tenant, name])
            }
        }
        for actor in snapshot.actors {
            let what = "inserting actor \(actor.id) (role \(actor.role?.rawValue ?? "none"), \(actor.permissions.count) permissions)"
            _ = try await attempt(what, after: lines) {
                try await session.rows("select set_config('bfg.tenant_id', $1, true)", [actor.tenant])
                try await session.rows(
                    "insert into bfg_flowcontrol.users (user_id, tenant_id, role_key, display_name, permissions) values ($1, $2, $3, $4, $5)",
                    [actor.id, actor.tenant, actor.role?.rawValue, actor.name ?? actor.id, actor.permissions]
                )
            }
        }
        lines.append("inserted \(tenants.count) tenant\(tenants.count == 1 ? "" : "s") and \(snapshot.actors.count) actors with their roles and permissions")
        let own = snapshot.actors.filter { $0.tenant == snapshot.tenant.id }.map(\.id).sorted()
        let seen = try await attempt("reading users as tenant \(snapshot.tenant.id)", after: lines) {
            try await session.rows("select set_config('bfg.tenant_id', $1, true)", [snapshot.tenant.id])
            return try await session.strings("select user_id from bfg_flowcontrol.users order by user_id collate \"C\"")
        }
        let seenOwn = seen.filter { own.contains($0) }
        lines.append("tenant \(snapshot.tenant.id) sees \(seenOwn.count) of its \(own.count) actors")
        let foreign = try await attempt("reading users as another tenant", after: lines) {
            try await session.rows("select set_config('bfg.tenant_id', $1, true)", [Rehearsal.isolationProbeTenant])
            return try await session.count("select count(*) from bfg_flowcontrol.users")
        }
        lines.append("tenant \(Rehearsal.isolationProbeTenant) sees \(foreign) actors")
        if seen != own {
            throw StepFailure(lines: lines + ["tenant \(snapshot.tenant.id) should see exactly its \(own.count) actors, saw \(seen.count)"])
        }
        if foreign != 0 {
            throw StepFailure(lines: lines + ["another tenant sees \(foreign) actors: the rows are not isolated"])
        }
        return lines
    }

    func replay(_ session: TargetSession) async throws(StepFailure) -> [String] {
        var lines: [String] = []
        let snapshot = plan.snapshot
        let replayID = plan.replayID
        let payloadText = CanonicalJSON.string(plan.payload)
        let back = try await attempt("writing the payload to scenario_snapshots", after: lines) {
            try await session.rows("select set_config('bfg.tenant_id', $1, true)", [snapshot.tenant.id])
            try await session.rows(
                "insert into bfg_flowcontrol.scenario_snapshots (snapshot_id, tenant_id, checksum, schema_version, payload) values ($1, $2, $3, $4, $5::jsonb)",
                [replayID, snapshot.tenant.id, snapshot.payloadChecksum, Snapshot.schemaName, payloadText]
            )
            return try await session.strings("select payload::text from bfg_flowcontrol.scenario_snapshots where snapshot_id = $1", [replayID])
        }
        guard let text = back.first else {
            throw StepFailure(lines: ["scenario_snapshots: the replayed payload \(replayID) did not come back"])
        }
        let readChecksum: String
        do {
            readChecksum = Checksum.sha256Hex(CanonicalJSON.bytes(try JSONParser.parse(Array(text.utf8), maxDepth: SnapshotReader.maxDepth)))
        } catch {
            throw StepFailure(lines: ["scenario_snapshots: the payload read back is not JSON: \(error.description)"])
        }
        lines.append("scenario_snapshots: wrote \(replayID) (\(payloadText.utf8.count) bytes of RFC 8785 JSON) and read it back as jsonb")
        lines.append("read-back RFC 8785 sha256 \(readChecksum) \(readChecksum == snapshot.payloadChecksum ? "equals" : "differs from") the payload checksum")
        guard readChecksum == snapshot.payloadChecksum else { throw StepFailure(lines: lines) }
        let events = plan.auditEvents
        for event in events {
            _ = try await attempt("writing audit event \(event.id)", after: lines) {
                try await session.rows(
                    "insert into bfg_flowcontrol.audit_events (event_id, tenant_id, actor_id, source, payload) values ($1, $2, $3, $4, $5::jsonb)",
                    [event.id, snapshot.tenant.id, event.actorID, event.source, CanonicalJSON.string(event.body)]
                )
            }
        }
        let ids = events.map(\.id)
        let found = try await attempt("reading the audit events back", after: lines) {
            try await session.strings("select event_id from bfg_flowcontrol.audit_events where event_id = any($1)", [ids])
        }
        let missing = ids.filter { !found.contains($0) }
        lines.append("audit_events: wrote \(ids.count), read back \(ids.count - missing.count)")
        if !missing.isEmpty {
            throw StepFailure(lines: lines + ["audit events missing after the replay: \(missing.prefix(10).joined(separator: ", "))\(missing.count > 10 ? " and \(missing.count - 10) more" : "")"])
        }
        return lines
    }

    /// Rolls the transaction back and compares the target with what it was before.
    func rollback(_ session: TargetSession, before: CatalogState) async -> (passed: Bool, lines: [String]) {
        do {
            try await session.rows("rollback")
        } catch {
            return (false, ["rollback failed: \(TargetSession.describe(error))"])
        }
        var lines = ["rolled back the transaction of \(plan.replayID)"]
        let after: CatalogState
        do {
            after = try await CatalogState.read(session)
        } catch {
            return (false, lines + ["cannot read the catalog after the rollback: \(TargetSession.describe(error))"])
        }
        let same = after == before
        lines.append("bfg_flowcontrol after the rollback: \(after.summary) — \(same ? "as before" : "DIFFERENT from before (\(before.summary))")")
        lines.append("fallback adapter \(plan.snapshot.adapter.fallback ?? "(none named)") stays in place")
        return (same, lines)
    }

    static func summary(_ statement: String) -> String {
        let line = statement.split(separator: "\n").first { !$0.hasPrefix("--") && !$0.allSatisfy(\.isWhitespace) } ?? ""
        return line.count > 80 ? String(line.prefix(77)) + "..." : String(line)
    }

    var evidence: JSONObject {
        var stepObject = JSONObject()
        for (step, passed, transcript) in steps {
            stepObject[step.rawValue] = .object(JSONObject([
                "status": .string(passed ? "passed" : "failed"),
                "transcript": .string(transcript),
            ]))
        }
        return JSONObject([
            "snapshot_checksum": .string(plan.snapshot.payloadChecksum),
            "replay_id": .string(plan.replayID),
            "ran_at": .string(plan.recordedAt.rfc3339),
            "recorded_by": plan.actor.map(JSONValue.string) ?? .null,
            "steps": .object(stepObject),
            "verified_objects": .array(verified.map { .string($0.rawValue) }),
        ])
    }
}

/// What the runbook packet creates: tables with columns, RLS tables (read from its text).
struct RunbookOutline {
    var tables: [(name: String, columns: [String])]
    var rlsTables: [String]

    init(sql: String) {
        tables = RunbookSQL.tables(of: sql)
        let prefix = "alter table bfg_flowcontrol."
        rlsTables = sql.split(separator: "\n").compactMap { line -> String? in
            let text = line.lowercased()
            guard text.hasPrefix(prefix), text.hasSuffix(" enable row level security;") else { return nil }
            return String(text.dropFirst(prefix.count).prefix { $0 != " " })
        }
    }
}

/// The catalog of `bfg_flowcontrol` as the runbook check reads it.
struct Catalog {
    var columns: [String: Set<String>] = [:]
    var rowSecurity: Set<String> = []
    var tenantPolicies: Set<String> = []

    static func read(_ session: TargetSession) async throws -> Catalog {
        var catalog = Catalog()
        for row in try await session.rows("""
            select c.relname::text, a.attname::text from pg_attribute a join pg_class c on c.oid = a.attrelid
            join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'bfg_flowcontrol' and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
            """) {
            let (table, column) = try row.decode((String, String).self)
            catalog.columns[table, default: []].insert(column)
        }
        catalog.rowSecurity = Set(try await session.strings(
            "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'bfg_flowcontrol' and c.relrowsecurity"
        ))
        catalog.tenantPolicies = Set(try await session.strings(
            "select tablename::text from pg_policies where schemaname = 'bfg_flowcontrol' and qual like '%bfg.tenant_id%'"
        ))
        return catalog
    }
}

/// The state the rollback must restore: every object of `bfg_flowcontrol` and its row count.
struct CatalogState: Equatable {
    var schemaExists: Bool
    var objects: [String]
    var rowCounts: [String: String]

    static func read(_ session: TargetSession) async throws -> CatalogState {
        let schema = try await session.count("select count(*) from pg_namespace where nspname = 'bfg_flowcontrol'") > 0
        let objects = try await session.strings("""
            select format('%s:%s:rls=%s:force=%s:policies=%s:columns=%s', c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
              coalesce((select string_agg(p.polname::text, ',' order by p.polname) from pg_policy p where p.polrelid = c.oid), ''),
              (select count(*) from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped))
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'bfg_flowcontrol' order by c.relname collate "C"
            """)
        let tables = try await session.strings(
            "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'bfg_flowcontrol' and c.relkind = 'r' order by c.relname collate \"C\""
        )
        var counts: [String: String] = [:]
        for table in tables {
            do {
                counts[table] = String(try await session.count("select count(*) from bfg_flowcontrol.\"\(table.replacingOccurrences(of: "\"", with: "\"\""))\""))
            } catch {
                counts[table] = "unreadable"
            }
        }
        return CatalogState(schemaExists: schema, objects: objects, rowCounts: counts)
    }

    var summary: String {
        guard schemaExists else { return "no schema" }
        let rows = rowCounts.keys.sorted().map { "\($0) \(rowCounts[$0] ?? "")" }.joined(separator: ", ")
        return "\(objects.count) objects\(rows.isEmpty ? "" : "; rows: \(rows)")"
    }
}
