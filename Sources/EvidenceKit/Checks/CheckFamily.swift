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

    /// The result of a family's own check, named by its typed id.
    public init<ID: CheckIdentifier>(_ id: ID, _ status: CheckStatus, _ detail: String, owner: String? = nil) {
        self.init(id.rawValue, status, detail, owner: owner)
    }

    /// `ready` when `condition` holds, `otherwise` when it does not.
    public init<ID: CheckIdentifier>(_ id: ID, ready condition: Bool, otherwise: CheckStatus = .next, _ detail: String, owner: String? = nil) {
        self.init(id.rawValue, ready: condition, otherwise: otherwise, detail, owner: owner)
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

    /// The check with this id, nil when there is none: for ids that come from outside the
    /// engine (a pack, a table of test cases). The engine asks with a typed id.
    public func check(_ id: String) -> CheckResult? { checks.first { $0.id == id } }

    /// One of this family's own checks. The id is typed, so a misspelt one does not compile;
    /// an id of another family, or a result without the check (which `Evaluator` does not let
    /// through), is a bug and traps.
    public func check<ID: CheckIdentifier>(_ id: ID) -> CheckResult {
        precondition(ID.family == self.id, "check \(ID.family.rawValue).\(id.rawValue) asked of family \(self.id.rawValue)")
        guard let found = check(id.rawValue) else {
            preconditionFailure("family \(self.id.rawValue) has no check \(id.rawValue)")
        }
        return found
    }
    public func fact(_ key: String) -> String? { facts.first { $0.key == key }?.value }
}

/// The check ids of one family: one case per check, in the order the family reports them,
/// the raw value being the stable id (`schema_rls`). Each family declares its own in its file,
/// so a misspelt id does not compile.
public protocol CheckIdentifier: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String {
    /// The family these checks belong to.
    static var family: FamilyID { get }
}

/// The decision codes of one family (raw value = the code, `RUNBOOK_READY`), with the one
/// that means "done".
public protocol FamilyDecision: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String {
    static var success: Self { get }
}

/// One family of checks: its id, its checks and their rules, its decision and packet.
public protocol CheckFamily: Sendable {
    /// The family's check ids.
    associatedtype CheckID: CheckIdentifier
    var id: FamilyID { get }
    /// The decision codes the family can reach; empty for a family without a decision.
    var decisionCodes: [String] { get }
    /// Evaluates the family from the snapshot and the families evaluated before it.
    func evaluate(_ context: EvaluationContext) -> FamilyResult
}

extension CheckFamily {
    /// The family's id is the one its check ids name.
    public var id: FamilyID { CheckID.family }
    /// The ids of the family's checks, in the order it reports them.
    public var checkIDs: [String] { CheckID.allCases.map(\.rawValue) }
    public var decisionCodes: [String] { [] }
}

/// A family that ends in a decision code.
public protocol DecidingFamily: CheckFamily {
    associatedtype Decision: FamilyDecision
}

extension DecidingFamily {
    public var decisionCodes: [String] { Decision.allCases.map(\.rawValue) }

    /// The family's result with its typed decision (and the success decision beside it).
    func result(
        contract: String? = nil, checks: [CheckResult], decision: Decision, packet: Packet? = nil, facts: [FamilyResult.Fact] = []
    ) -> FamilyResult {
        FamilyResult(
            id: id, contract: contract, checks: checks, decision: decision.rawValue, successDecision: Decision.success.rawValue,
            packet: packet, facts: facts
        )
    }
}

/// A "N/M" count.
func fraction(_ ready: Int, _ total: Int) -> String { "\(ready)/\(total)" }
