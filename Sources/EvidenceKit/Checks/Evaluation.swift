/// The production go/no-go and the decision that blocks it.
public struct ProductionDecision: Sendable, Equatable {
    public var isGo: Bool
    /// The first blocking family decision, nil when GO.
    public var blocking: String?
    /// The family whose decision blocks, nil when GO.
    public var blockingFamily: FamilyID?

    public var decision: String { isGo ? "GO" : "NO-GO" }

    /// The families whose decision can block production, in the order they are consulted.
    public static let blockingOrder: [FamilyID] = [
        .release, .rollback, .preflight, .runbook, .cutover, .wiring, .operations, .integration,
    ]

    /// GO when every family is complete; otherwise the first blocking decision (SPEC §3).
    public init(families: [FamilyResult]) {
        if families.allSatisfy(\.isComplete) {
            self.isGo = true
            return
        }
        self.isGo = false
        let byID = Dictionary(uniqueKeysWithValues: families.map { ($0.id, $0) })
        for id in Self.blockingOrder {
            guard let family = byID[id], let decision = family.decision else { continue }
            if decision != family.successDecision {
                self.blocking = decision
                self.blockingFamily = id
                return
            }
        }
        // Every decision is a success but some family without one is incomplete.
        let incomplete = families.first { !$0.isComplete }!
        self.blocking = "BLOCKED_PENDING_" + incomplete.id.rawValue.uppercased()
        self.blockingFamily = incomplete.id
    }

    /// "Production NO-GO — BLOCKED_PENDING_DRY_RUN" or "Production GO".
    public var summary: String {
        isGo ? "Production GO" : "Production NO-GO — \(blocking ?? "")"
    }
}

/// Everything the checks concluded about one snapshot at one as-of.
public struct Evaluation: Sendable {
    public var snapshot: Snapshot
    public var options: RunOptions
    /// Family results in evaluation order.
    public var families: [FamilyResult]
    public var production: ProductionDecision
    /// What the records showed; nil when no records were read (the operations family then
    /// reports that there is no audit trail).
    public var operations: OperationsSummary?

    public var asOf: Instant { options.asOf }

    public func family(_ id: FamilyID) -> FamilyResult? { families.first { $0.id == id } }

    /// A check's result, by its typed id (which names its family): every evaluated family has
    /// all its checks, so this cannot miss.
    public func check<ID: CheckIdentifier>(_ id: ID) -> CheckResult {
        guard let family = family(ID.family) else { preconditionFailure("family \(ID.family.rawValue) was not evaluated") }
        return family.check(id)
    }

    /// Packets in the order families produce them.
    public var packets: [Packet] { families.compactMap(\.packet) }
}

/// Runs the registry over a snapshot.
public enum Evaluator {
    public static func evaluate(_ snapshot: Snapshot, asOf: Instant? = nil, registry: [any CheckFamily] = Registry.families) -> Evaluation {
        evaluate(snapshot, options: RunOptions(asOf: asOf ?? snapshot.capturedAt), registry: registry)
    }

    public static func evaluate(
        _ snapshot: Snapshot, options: RunOptions, operations: OperationsFindings? = nil, registry: [any CheckFamily] = Registry.families
    ) -> Evaluation {
        var context = EvaluationContext(snapshot: snapshot, options: options, operations: operations)
        var families: [FamilyResult] = []
        for family in registry {
            let result = family.evaluate(context)
            precondition(result.id == family.id, "family \(family.id) returned a result for \(result.id)")
            precondition(result.checks.map(\.id) == family.checkIDs, "family \(family.id) reports checks other than it declares")
            context.record(result)
            families.append(result)
        }
        return Evaluation(
            snapshot: snapshot, options: options, families: families, production: ProductionDecision(families: families),
            operations: operations?.summary
        )
    }
}
