/// The status of one check.
public enum CheckStatus: String, Sendable, CaseIterable {
    case ready, next, review, blocked
}

/// The ids of the check families, in the order SPEC §1 lists them.
public enum FamilyID: String, Sendable, CaseIterable {
    case connection
    case dryRun = "dry_run"
    case board, infrastructure, release, rollback, preflight, runbook, cutover, wiring, operations, integration, rehearsals
}

/// The outcome of one check.
public struct CheckResult: Sendable, Equatable {
    /// Stable id within its family, e.g. `snapshot_payload`.
    public var id: String
    public var status: CheckStatus
    /// What was found, in plain words or counts ("1/5", "stale: recorded for bfg-…").
    public var detail: String
    /// The actor id that owns this check, when there is one.
    public var owner: String?

    public init(_ id: String, _ status: CheckStatus, _ detail: String, owner: String? = nil) {
        self.id = id
        self.status = status
        self.detail = detail
        self.owner = owner
    }

    /// `ready` when `condition` holds, `otherwise` when it does not.
    public init(_ id: String, ready condition: Bool, otherwise: CheckStatus = .next, _ detail: String, owner: String? = nil) {
        self.init(id, condition ? .ready : otherwise, detail, owner: owner)
    }

    public var isReady: Bool { status == .ready }
}

/// A copyable, checksummed block of text a family hands over (SPEC §3).
public struct Packet: Sendable, Equatable {
    /// Key in JSON output (`runbook_sql`).
    public var key: String
    /// File name under `data/packets/` (`runbook.sql`).
    public var fileName: String
    /// The lines joined by LF with a final LF.
    public let text: String
    /// The SHA-256 of `text`, 64 hex digits (evidence.xml and the family page show it).
    public let sha256: String
    /// `bfg-` + 8 hex of SHA-256 over `text`.
    public var checksum: String { Checksum.short(sha256) }

    public init(key: String, fileName: String, lines: [String]) {
        self.key = key
        self.fileName = fileName
        self.text = lines.joined(separator: "\n") + "\n"
        self.sha256 = Checksum.sha256Hex(self.text.utf8)
    }
}

/// The outcome of one family.
public struct FamilyResult: Sendable, Equatable {
    public var id: FamilyID
    /// The evidence contract the family reports on (`ProductionAdapterDryRun.v1`), if any.
    public var contract: String?
    public var checks: [CheckResult]
    /// The family's decision code; nil for families without one.
    public var decision: String?
    /// The decision that means "done" for this family, when it has a decision.
    public var successDecision: String?
    public var packet: Packet?
    /// Further named facts (cutover `batches`, wiring `traffic`), in display order.
    public var facts: [Fact]

    public struct Fact: Sendable, Equatable {
        public var key: String
        public var value: String
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(
        id: FamilyID, contract: String? = nil, checks: [CheckResult], decision: String? = nil,
        successDecision: String? = nil, packet: Packet? = nil, facts: [Fact] = []
    ) {
        self.id = id
        self.contract = contract
        self.checks = checks
        self.decision = decision
        self.successDecision = successDecision
        self.packet = packet
        self.facts = facts
    }

    public var ready: Int { checks.filter(\.isReady).count }
    public var total: Int { checks.count }
    public var isComplete: Bool { ready == total }
    /// "N/M".
    public var count: String { fraction(ready, total) }

    public func check(_ id: String) -> CheckResult? { checks.first { $0.id == id } }
    public func fact(_ key: String) -> String? { facts.first { $0.key == key }?.value }
}

/// One family of checks: its id, its checks and their rules, its decision and packet.
public protocol CheckFamily: Sendable {
    var id: FamilyID { get }
    /// Evaluates the family from the snapshot and the families evaluated before it.
    func evaluate(_ context: EvaluationContext) -> FamilyResult
}

/// A "N/M" count.
func fraction(_ ready: Int, _ total: Int) -> String { "\(ready)/\(total)" }
