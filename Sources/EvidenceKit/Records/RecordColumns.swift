/// The one table of what each record kind keeps in its ledger columns and how each is read
/// (SPEC §4). `RecordRules.validate` walks it to fill a batch, and both ledgers derive their
/// DDL and their INSERT from it, so the three can never disagree on a column's position.
public enum RecordColumns {
    /// How a column's value is read from the record.
    public enum Rule: Sendable {
        case token(Requirement)
        case choice([String], required: Bool, default: String?)
        /// `occurrence`: the time a usage event expires by.
        case time(required: Bool, occurrence: Bool)
        /// Free text of 5 to 500 characters, kept sanitized (a control's reason).
        case reason
        /// A usage event's name, one of the allow-listed events.
        case usageEvent
        /// The second dotted part of the usage event's name (not a field of the record).
        case usageFamily
    }

    public enum Requirement: Sendable, Equatable {
        case optional, required
        /// Required when the choice just before it is its second value (a control's `workspace` scope).
        case whenWorkspaceScope
    }

    public struct Column: Sendable {
        /// The field the column is read from (and the column's name).
        let key: StaticString
        public let rule: Rule
        public var name: String { key.description }
        public var isTime: Bool { if case .time = rule { true } else { false } }
    }

    /// A field that is checked but kept only in the record's document.
    enum Check: Sendable {
        case text(StaticString, token: Bool, required: Bool)
        case structure(StaticString, JSONValueType)
        case usageMetadata
    }

    public struct Kind: Sendable {
        public let columns: [Column]
        let checks: [Check]
    }

    private static func token(_ key: StaticString, _ requirement: Requirement = .optional) -> Column { Column(key: key, rule: .token(requirement)) }
    private static func choice(_ key: StaticString, _ allowed: [String], required: Bool = true, default fallback: String? = nil) -> Column {
        Column(key: key, rule: .choice(allowed, required: required, default: fallback))
    }
    private static func time(_ key: StaticString, required: Bool = false, occurrence: Bool = false) -> Column {
        Column(key: key, rule: .time(required: required, occurrence: occurrence))
    }

    /// Per kind, by `RecordKind.ordinal`: the columns (`id` first, in table order) and the checks.
    public static let table: [Kind] = RecordKind.allCases.map { kind in
        switch kind {
        case .audit:
            return Kind(columns: [
                token("id", .required), time("recorded_at", required: true), token("action", .required),
                choice("status", RecordRules.auditStatus, required: false, default: "success"), token("actor_id"), token("workspace_id"),
                token("tenant_id"), token("subject_type"), token("subject_id"),
            ], checks: [.structure("metadata", .object)])
        case .run:
            return Kind(columns: [
                token("id", .required), token("type", .required), choice("status", RecordRules.runStatus),
                choice("outcome", RecordRules.runOutcome, required: false), token("workspace_id", .required), token("tenant_id"),
                time("created_at", required: true), time("started_at"), time("completed_at"),
            ], checks: [.text("initiator", token: false, required: false), .structure("summary_counts", .object), .structure("failure_summary", .array)])
        case .usage:
            return Kind(columns: [
                token("id", .required), Column(key: "event_name", rule: .usageEvent), Column(key: "family", rule: .usageFamily),
                token("workspace_id", .required), token("tenant_id", .required), token("user_id", .required),
                time("occurred_at", required: true, occurrence: true),
            ], checks: [.text("subject_type", token: true, required: true), .text("subject_id", token: true, required: true), .usageMetadata])
        case .control:
            return Kind(columns: [
                token("id", .required), choice("control_key", RecordRules.controlKeys), choice("scope", RecordRules.controlScope),
                token("workspace_id", .whenWorkspaceScope), token("actor_id", .required), time("activated_at", required: true),
                time("expires_at"), time("resumed_at"), Column(key: "reason", rule: .reason),
            ], checks: [])
        case .deploy:
            return Kind(columns: [
                token("id", .required), token("project", .required), choice("environment", RecordRules.environments),
                choice("type", RecordRules.deployType), choice("ref_type", RecordRules.refType), token("ref_name", .required),
                token("requested_by", .required), time("requested_at", required: true), choice("status", RecordRules.deployStatus),
                time("started_at"), time("finished_at"),
            ], checks: [.text("commit_sha", token: true, required: false), .text("external_run_url", token: false, required: false)])
        case .approval:
            return Kind(columns: [
                token("id", .required), token("job_id", .required), token("user_id", .required),
                choice("decision", RecordRules.decisions), time("decided_at", required: true),
            ], checks: [.text("note", token: false, required: false)])
        }
    }

    /// The column definitions of a kind's ledger table, `id` first: `name TYPE`, with the
    /// backend's spelling of an integer time and of text.
    public static func definitions(_ kind: RecordKind, integer: String, text: String) -> [String] {
        table[kind.ordinal].columns.map { "\($0.name) \($0.isTime ? integer : text)" }
    }
}
