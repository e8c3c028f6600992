/// Why production is NO-GO, followed to its root: the blocking family, the family its
/// decision waits for, and so on until a family waits only on its own checks.
///
/// "Release BLOCKED_PENDING_DRY_RUN" waits for the dry-run family; "Wiring
/// BLOCKED_PENDING_INFRASTRUCTURE_OR_CREDENTIALS" waits for the infrastructure decision while
/// that is incomplete. The checks that are not ready in these families are the work left.
public struct BlockingChain: Sendable, Equatable {
    /// From the family that blocks production to the one at the root, without repeats.
    public var families: [FamilyID]

    /// The chain of a NO-GO evaluation; nil when production is GO.
    public init?(_ evaluation: Evaluation) {
        self.init(EvidenceReport(evaluation: evaluation))
    }

    /// The chain of a NO-GO report; nil when production is GO.
    public init?(_ report: EvidenceReport) {
        guard !report.production.isGo, var current = report.production.blockingFamily.flatMap(FamilyID.init(rawValue:)) else { return nil }
        var chain: [FamilyID] = []
        while !chain.contains(current), let family = report.family(current) {
            chain.append(current)
            guard let next = Self.waitsFor(family, in: report), next != current else { break }
            current = next
        }
        self.families = chain
    }

    /// The family a family's decision waits for, when the decision names one (every blocked
    /// decision the families of Checks/Families make is listed).
    static func waitsFor(_ family: EvidenceReport.Family, in report: EvidenceReport) -> FamilyID? {
        guard let decision = family.decision, decision != family.successDecision else {
            return family.complete ? nil : family.id
        }
        switch decision {
        case "BLOCKED_PENDING_CONNECTION": return .connection
        case "BLOCKED_PENDING_DRY_RUN": return .dryRun
        case "BLOCKED_PENDING_OWNER_SIGNOFF": return .rehearsals
        case "BLOCKED_PENDING_RELEASE_GATES": return .release
        case "BLOCKED_PENDING_ROLLBACK_DRILL": return .rollback
        case "BLOCKED_PENDING_PREFLIGHT": return .preflight
        case "BLOCKED_PENDING_RUNBOOK": return .runbook
        case "BLOCKED_PENDING_DATA_CUTOVER": return .cutover
        case "BLOCKED_PENDING_INFRASTRUCTURE_OR_CREDENTIALS":
            return report.family(.infrastructure)?.complete == false ? .infrastructure : .wiring
        case "BLOCKED_BY_OPERATIONS": return .operations
        case "BLOCKED_PENDING_INTEGRATION": return .integration
        default: return nil
        }
    }

    /// The checks that are not ready, root family first: what must happen next.
    public func openChecks(in report: EvidenceReport) -> [(family: FamilyID, check: EvidenceReport.Check)] {
        families.reversed().flatMap { id in
            (report.family(id)?.checks ?? []).filter { !$0.isReady }.map { (id, $0) }
        }
    }
}

extension EvidenceReport {
    /// Why production is NO-GO, followed to its root; nil when GO.
    public var blockingChain: BlockingChain? { BlockingChain(self) }
}
