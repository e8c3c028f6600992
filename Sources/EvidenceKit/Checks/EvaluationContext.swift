/// What a family sees while it is evaluated: the snapshot, the options and the families
/// evaluated before it.
public struct EvaluationContext: Sendable {
    public let snapshot: Snapshot
    public let options: RunOptions
    /// What the records say (all empty when there are none).
    public let operations: OperationsFindings
    public var asOf: Instant { options.asOf }
    /// Results of the families evaluated so far, by id.
    public private(set) var results: [FamilyID: FamilyResult] = [:]
    /// Connection evidence made against this payload; nil when absent or stale.
    public let freshConnection: ConnectionEvidence?
    /// Dry-run evidence made against this payload; nil when absent or stale.
    public let freshDryRun: DryRunEvidence?

    public init(snapshot: Snapshot, options: RunOptions, operations: OperationsFindings? = nil) {
        self.snapshot = snapshot
        self.options = options
        self.operations = operations ?? .empty(snapshot: snapshot, options: options)
        let checksum = snapshot.payloadChecksum
        self.freshConnection = snapshot.connection.flatMap { $0.binding.matches(checksum) ? $0 : nil }
        self.freshDryRun = snapshot.dryRun.flatMap { $0.binding.matches(checksum) ? $0 : nil }
    }

    mutating func record(_ result: FamilyResult) {
        results[result.id] = result
    }

    /// The result of a family evaluated earlier; asking for a later one is a registry bug.
    public func result(_ id: FamilyID) -> FamilyResult {
        guard let result = results[id] else {
            preconditionFailure("family \(id.rawValue) is read before it is evaluated; fix the order in Registry.swift")
        }
        return result
    }

    public func isComplete(_ id: FamilyID) -> Bool { result(id).isComplete }

    /// The decision of a family evaluated earlier, typed.
    public func decision<Family: DecidingFamily>(of family: Family.Type) -> Family.Decision {
        let id = Family.CheckID.family
        guard let code = result(id).decision, let decision = Family.Decision(rawValue: code) else {
            preconditionFailure("family \(id.rawValue) returned a decision that is not one of its codes")
        }
        return decision
    }

    /// Whether a check of a family evaluated earlier is ready: the one way a family reads
    /// another's check. The id is typed, so a misspelt one does not compile; asking before its
    /// family is evaluated traps (fix the order in Registry.swift), it never reads as "not ready".
    public func isReady<ID: CheckIdentifier>(_ check: ID) -> Bool {
        result(ID.family).check(check).isReady
    }

    /// Why evidence does not count: not recorded, or recorded for another payload.
    static func absence(of binding: EvidenceBinding?, what: String) -> String {
        guard let binding else { return "no \(what) evidence recorded" }
        return "stale: recorded for \(binding.shortDescription)"
    }

    /// The detail every connection check shows while there is no fresh evidence.
    public var connectionAbsence: String { Self.absence(of: snapshot.connection?.binding, what: "connection") }
    /// The detail every dry-run check shows while there is no fresh evidence.
    public var dryRunAbsence: String { Self.absence(of: snapshot.dryRun?.binding, what: "dry-run") }

    /// Whether a dry-run step passed with a transcript, on fresh evidence.
    public func dryRunStepReady(_ step: DryRunStep) -> Bool {
        freshDryRun?.steps[step]?.isReady ?? false
    }

    /// Accepted rehearsals among `keys`.
    public func acceptedRehearsals(_ keys: [RehearsalKey]) -> Int {
        keys.filter { snapshot.rehearsals[$0]?.isAccepted ?? false }.count
    }

    /// The rule of preflight `rbac_claims` and runbook `actor_claims`: at least one actor,
    /// every actor with a role and a permission.
    /// Whether an actor has a role and at least one (set) permission.
    static func hasClaims(_ actor: Snapshot.Actor) -> Bool {
        actor.role != nil && actor.permissions.contains { Optional($0).isSet }
    }

    public var actorClaimsReady: Bool {
        !snapshot.actors.isEmpty && snapshot.actors.allSatisfy(Self.hasClaims)
    }

    /// "N/M actors with a role and a permission", then which actors lack what (up to five).
    public var actorClaimsDetail: String {
        let lacking = snapshot.actors.filter { !Self.hasClaims($0) }
        var detail = "\(snapshot.actors.count - lacking.count)/\(snapshot.actors.count) actors with a role and a permission"
        guard !lacking.isEmpty else { return detail }
        let named = lacking.prefix(5).map { actor -> String in
            let missing = [actor.role == nil ? "no role" : nil, actor.permissions.contains { Optional($0).isSet } ? nil : "no permission"]
            return "\(actor.id) (\(missing.compactMap { $0 }.joined(separator: ", ")))"
        }
        detail += "; " + named.joined(separator: ", ")
        if lacking.count > 5 { detail += " and \(lacking.count - 5) more" }
        return detail
    }
}
