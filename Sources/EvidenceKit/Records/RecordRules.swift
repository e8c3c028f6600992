/// The rules of SPEC §4 for each kind: required fields, enums, times, tokens, allow-lists.
public enum RecordRules {
    /// Ledger columns per kind, `id` first (names from `RecordColumns.table`). Times are integer
    /// nanoseconds since 1970.
    public static func columns(_ kind: RecordKind) -> [String] {
        RecordColumns.table[kind.ordinal].columns.map(\.name)
    }

    /// Columns holding times (integer nanoseconds).
    static let timeColumns: Set<String> = Set(RecordColumns.table.flatMap { $0.columns.filter(\.isTime).map(\.name) })

    static let auditStatus = ["success", "failure", "denied", "blocked"]
    static let runStatus = ["queued", "running", "completed"]
    static let runOutcome = ["pending", "succeeded", "partially_succeeded", "failed", "canceled", "blocked"]
    static let controlKeys = ["restore.execute", "findings.lifecycle.backfill", "release.cutover"]
    static let controlScope = ["global", "workspace"]
    static let environments = ["stage", "demo", "prod"]
    static let deployType = ["deploy", "rollback", "dry_run"]
    static let refType = ["branch", "tag", "sha"]
    static let deployStatus = ["queued", "waiting_approval", "running", "success", "failed", "canceled", "expired"]
    static let decisions = ["approved", "rejected"]

    /// Usage event names and the only metadata keys each may carry.
    public static let usageMetadata: [String: Set<String>] = [
        "product.onboarding.checkpoint_completed": ["checkpoint_key", "lifecycle_state", "completed_at"],
        "product.support_diagnostics.opened": ["source_surface", "operation_type"],
        "product.operations.started": ["operation_type"],
        "product.stored_report.created": ["report_type"],
        "product.review_pack.requested": ["source_surface", "include_operations", "include_pii"],
    ]

    /// Why a record breaks the rules; never holds the record's content.
    public struct Violation: Error, Sendable {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Checks a record against the rules of its kind and appends its columns (`columns(kind)`,
    /// id first) to `batch`; returns when a usage event occurred. On a violation the caller
    /// rolls the batch back.
    static func validate<F: RecordFields>(_ kind: RecordKind, _ fields: F, into batch: RecordBatch) throws(Violation) -> Int64? {
        let f = FieldReader(fields: fields, batch: batch)
        let rules = RecordColumns.table[kind.ordinal]
        // The columns in table order (each appends one slot), then the fields only checked.
        var lastChoice: Int?
        var event: UsageEvent?
        var occurred: Int64?
        for column in rules.columns {
            switch column.rule {
            case .token(let requirement):
                try f.token(column.key, required: requirement == .required || (requirement == .whenWorkspaceScope && lastChoice == 1))
            case .choice(let allowed, let required, let fallback):
                lastChoice = try f.choice(column.key, allowed, required: required, default: fallback)
            case .time(let required, let occurrence):
                let value = try f.time(column.key, required: required)
                if occurrence { occurred = value }
            case .reason:
                try f.reason(column.key)
            case .usageEvent:
                event = usageEventRules[try f.choice(column.key, usageEvents, required: true)!]
            case .usageFamily:
                batch.appendSlot(batch.append(event!.family))
            }
        }
        for check in rules.checks {
            switch check {
            case .text(let key, let token, let required): try f.check(key, token: token, required: required)
            case .structure(let key, let type): try f.expect(key, type)
            case .usageMetadata: try usageMetadata(fields, event: event!)
            }
        }
        return occurred
    }

    static let usageEvents = usageMetadata.keys.sorted()

    /// What the rules need of a usage event, worked out once.
    struct UsageEvent {
        var name: String
        /// The second dot-separated part of the name (`operations` of `product.operations.started`).
        var family: [UInt8]
        /// The metadata keys it allows, as UTF-8.
        var allowedKeys: [[UInt8]]
        /// Those keys as a message lists them.
        var allowedList: String
    }

    /// Per usage event, in the order of `usageEvents`.
    static let usageEventRules: [UsageEvent] = usageEvents.map { name in
        let allowed = usageMetadata[name]!.sorted()
        return UsageEvent(
            name: name, family: Array(name.utf8.split(separator: UInt8(ascii: ".")).dropFirst().first ?? []),
            allowedKeys: allowed.map { Array($0.utf8) }, allowedList: allowed.joined(separator: ", ")
        )
    }

    /// Usage metadata: only the allowed keys; values are tokens, booleans, numbers or times.
    static func usageMetadata<F: RecordFields>(_ fields: F, event: UsageEvent) throws(Violation) {
        guard let value = fields.field("metadata") else { return }
        switch value {
        case .null: return
        case .object: break
        default: throw Violation("field metadata: expected an object, found \(value.type.description)")
        }
        var problem: Violation?
        fields.forEachMember(of: "metadata") { key, value in
            guard problem == nil else { return }
            guard event.allowedKeys.contains(where: { $0.elementsEqual(key) }) else {
                problem = Violation("field metadata: a key not allowed for \(event.name) (allowed: \(event.allowedList))")
                return
            }
            switch value {
            case .bool, .number, .null:
                return
            case .string(let text):
                if text.contains(UInt8(ascii: "@")) {
                    problem = Violation("field metadata.\(String(decoding: key, as: UTF8.self)): e-mail addresses are not allowed in usage metadata")
                } else if !isToken(text), Instant.parse(text) == nil {
                    problem = Violation("field metadata.\(String(decoding: key, as: UTF8.self)): free text is not allowed in usage metadata (tokens, booleans, numbers or times only)")
                } else if fields.mayHoldSecrets, let secret = Redaction.secrets(in: text).first {
                    problem = Violation("field metadata.\(String(decoding: key, as: UTF8.self)): \(secretMessage(secret))")
                }
            case .object, .array:
                problem = Violation("field metadata.\(String(decoding: key, as: UTF8.self)): nested values are not allowed in usage metadata")
            }
        }
        if let problem { throw problem }
    }

    /// Why a token field that holds a secret is rejected; names the kind, never the value.
    static func secretMessage(_ secret: Redaction.Secret) -> String {
        "holds \(secret.rawValue) (value not shown); a secret has no place in this field"
    }

    /// A machine-safe token: `^[A-Za-z0-9._:+/-]{1,120}$`, so never an `@`.
    static func isToken(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 120 else { return false }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        return true
    }
}

extension Instant {
    /// The seconds a ledger time column holds: 1678-01-01T00:00:00Z to 2261-12-31T23:59:59Z,
    /// within what integer nanoseconds since 1970 can count.
    static let ledgerRange: ClosedRange<Int64> = -9_214_560_000...9_214_646_399

    /// Nanoseconds since 1970 (fits years 1678–2262), the ledger's time column form.
    public var nanosecondsSinceEpoch: Int64 { seconds &* 1_000_000_000 &+ Int64(nanoseconds) }

    public init(nanosecondsSinceEpoch value: Int64) {
        let seconds = floorDivide(value, 1_000_000_000)
        self.init(seconds: seconds, nanoseconds: Int32(value - seconds * 1_000_000_000))
    }
}

/// Typed access to a record's fields that appends column values to the batch.
private struct FieldReader<F: RecordFields> {
    let fields: F
    let batch: RecordBatch
    typealias Violation = RecordRules.Violation

    /// The UTF-8 text of a string field; nil when absent, null or (optional and) empty.
    func text(_ key: StaticString, required: Bool) throws(Violation) -> UnsafeBufferPointer<UInt8>? {
        guard let value = fields.field(key) else {
            if required { throw Violation("field \(key): required") }
            return nil
        }
        switch value {
        case .null:
            if required { throw Violation("field \(key): required") }
            return nil
        case .string(let text):
            if text.isEmpty {
                if required { throw Violation("field \(key): required (empty)") }
                return nil
            }
            return text
        default:
            throw Violation("field \(key): expected a string, found \(value.type.description)")
        }
    }

    /// A token column.
    func token(_ key: StaticString, required: Bool = false) throws(Violation) {
        guard let text = try text(key, required: required) else { batch.appendSlot(.null); return }
        guard RecordRules.isToken(text) else {
            throw Violation("field \(key): not a machine-safe token (A–Z a–z 0–9 . _ : + / -, 1–120 characters, no @)")
        }
        try noSecret(key, text)
        batch.appendSlot(batch.append(text))
    }

    /// A token is a column, stored as read: one holding a secret (a JWT, an AWS key id, a
    /// GitHub token) rejects the record rather than reach the ledger.
    @inline(__always) func noSecret(_ key: StaticString, _ text: UnsafeBufferPointer<UInt8>) throws(Violation) {
        guard fields.mayHoldSecrets, let secret = Redaction.secrets(in: text).first else { return }
        throw Violation("field \(key): \(RecordRules.secretMessage(secret))")
    }

    /// A field that is not a column: checked only.
    func check(_ key: StaticString, token: Bool = false, required: Bool = false) throws(Violation) {
        guard let text = try text(key, required: required) else { return }
        if token, !RecordRules.isToken(text) {
            throw Violation("field \(key): not a machine-safe token (A–Z a–z 0–9 . _ : + / -, 1–120 characters, no @)")
        }
        if token { try noSecret(key, text) }
    }

    /// An enumerated column; returns the index of the value in `allowed`.
    @discardableResult
    func choice(_ key: StaticString, _ allowed: [String], required: Bool, default fallback: String? = nil) throws(Violation) -> Int? {
        guard let text = try text(key, required: required) else {
            if let fallback {
                batch.appendSlot(batch.append(fallback))
                return allowed.firstIndex(of: fallback)
            }
            batch.appendSlot(.null)
            return nil
        }
        for (i, option) in allowed.enumerated() where option.utf8.elementsEqual(text) {
            batch.appendSlot(batch.append(text))
            return i
        }
        throw Violation("field \(key): not one of \(allowed.joined(separator: ", "))")
    }

    /// A time column (integer nanoseconds); returns the value.
    @discardableResult
    func time(_ key: StaticString, required: Bool = false) throws(Violation) -> Int64? {
        guard let text = try text(key, required: required) else { batch.appendSlot(.null); return nil }
        let instant: Instant
        switch Instant.read(text) {
        case .success(let read): instant = read
        case .failure(let problem): throw Violation("field \(key): \(problem)")
        }
        guard instant.seconds >= Instant.ledgerRange.lowerBound, instant.seconds <= Instant.ledgerRange.upperBound else {
            throw Violation("field \(key): out of the range records may use (years 1678 to 2261)")
        }
        let value = instant.nanosecondsSinceEpoch
        batch.appendSlot(.integer(value))
        return value
    }

    /// The control reason column: 5 to 500 characters.
    func reason(_ key: StaticString) throws(Violation) {
        guard let text = try text(key, required: true) else { return }
        let scalars = text.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        guard scalars >= 5, scalars <= 500 else { throw Violation("field \(key): must be 5 to 500 characters") }
        if fields.mayHoldSecrets, Redaction.mayHoldSecret(text) {
            // Free text: the column holds it sanitized, as the document does.
            let clean = Sanitizer.sanitize(JSONValue.string(String(decoding: text, as: UTF8.self)))
            batch.appendSlot(batch.append(clean.stringValue ?? Redaction.marker))
        } else {
            batch.appendSlot(batch.append(text))
        }
    }

    /// A structured field of the given type, or absent/null.
    func expect(_ key: StaticString, _ type: JSONValueType) throws(Violation) {
        guard let value = fields.field(key), value.type != .null else { return }
        guard value.type == type else { throw Violation("field \(key): expected \(type.description), found \(value.type.description)") }
    }
}
