/// ProductionDbAuthAdapterWiring.v1: whether production traffic may reach the DB/auth
/// adapter (SPEC §3). Everything waits on the infrastructure decision.
struct WiringFamily: DecidingFamily {
    static let contract = "ProductionDbAuthAdapterWiring.v1"

    /// The reference names these checks in camelCase.
    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.wiring
        case infrastructureAcceptance = "infrastructureAcceptance"
        case endpointContract = "endpointContract"
        case tenantContext = "tenantContext"
        case oidcRbacClaims = "oidcRbacClaims"
        case rlsPolicyDraft = "rlsPolicyDraft"
        case secretsBackupBoundary = "secretsBackupBoundary"
        case liveCredentials = "liveCredentials"
    }

    enum Decision: String, FamilyDecision {
        case ready = "WIRING_READY"
        case blockedPendingInfrastructureOrCredentials = "BLOCKED_PENDING_INFRASTRUCTURE_OR_CREDENTIALS"
        static let success = Decision.ready
    }

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let infrastructure = context.result(.infrastructure)
        let checks: [CheckResult]
        if !infrastructure.isComplete {
            let detail = "waiting for the infrastructure decision (\(infrastructure.count))"
            checks = CheckID.allCases.map { CheckResult($0, .blocked, detail, owner: snapshot.infrastructure.owner) }
        } else {
            let endpoint = context.freshConnection?.redactedEndpoint
            let unknownTenants = snapshot.actors.filter { $0.tenant != snapshot.tenant.id }.count
            let tenantOK = Optional(snapshot.tenant.id).isSet && snapshot.adapter.tenantMode.isSet && unknownTenants == 0
            let roles = Set(snapshot.actors.compactMap(\.role))
            let missingRoles = Role.allCases.filter { !roles.contains($0) }.map(\.rawValue)
            let rls = context.isReady(RunbookFamily.CheckID.schemaRLS)
            let backup = snapshot.infrastructure.isAccepted(.secretsBackup)
            let credentials = snapshot.credentialsRef.isSet
            checks = [
                CheckResult(CheckID.infrastructureAcceptance, .ready, "infrastructure \(infrastructure.count)", owner: snapshot.infrastructure.owner),
                CheckResult(CheckID.endpointContract, ready: endpoint.isSet, otherwise: .blocked,
                            endpoint.isSet ? "endpoint \(endpoint!)" : "no fresh connection evidence with an endpoint"),
                CheckResult(CheckID.tenantContext, ready: tenantOK, otherwise: .blocked,
                            tenantOK ? "tenant \(snapshot.tenant.id), \(snapshot.adapter.tenantMode!)"
                                : unknownTenants > 0 ? "\(unknownTenants) actors name an unknown tenant" : "tenant id or tenant mode not set"),
                CheckResult(CheckID.oidcRbacClaims, ready: missingRoles.isEmpty, otherwise: .blocked,
                            missingRoles.isEmpty ? "all five roles have an actor" : "no actor for: " + missingRoles.joined(separator: ", ")),
                CheckResult(CheckID.rlsPolicyDraft, ready: rls, otherwise: .blocked, "runbook schema_rls \(rls ? "ready" : "not ready")"),
                CheckResult(CheckID.secretsBackupBoundary, ready: backup, otherwise: .blocked,
                            backup ? "secrets/backup boundary accepted" : "secrets/backup boundary not accepted",
                            owner: snapshot.infrastructure.owner),
                CheckResult(CheckID.liveCredentials, ready: credentials, otherwise: .blocked,
                            credentials ? "credentials reference recorded" : "no credentials_ref"),
            ]
        }
        let done = checks.allSatisfy(\.isReady)
        return result(
            contract: Self.contract, checks: checks, decision: done ? .ready : .blockedPendingInfrastructureOrCredentials,
            facts: [.init("traffic", done ? "production_traffic_allowed" : "production_traffic_disabled")]
        )
    }
}
