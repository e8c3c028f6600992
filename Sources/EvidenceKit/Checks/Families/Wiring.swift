/// ProductionDbAuthAdapterWiring.v1: whether production traffic may reach the DB/auth
/// adapter (SPEC §3). Everything waits on the infrastructure decision.
struct WiringFamily: CheckFamily {
    let id = FamilyID.wiring
    static let contract = "ProductionDbAuthAdapterWiring.v1"
    static let ready = "WIRING_READY"
    static let checkIDs = [
        "infrastructureAcceptance", "endpointContract", "tenantContext", "oidcRbacClaims", "rlsPolicyDraft",
        "secretsBackupBoundary", "liveCredentials",
    ]

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let snapshot = context.snapshot
        let infrastructure = context.result(.infrastructure)
        let checks: [CheckResult]
        if !infrastructure.isComplete {
            let detail = "waiting for the infrastructure decision (\(infrastructure.count))"
            checks = Self.checkIDs.map { CheckResult($0, .blocked, detail, owner: snapshot.infrastructure.owner) }
        } else {
            let endpoint = context.freshConnection?.redactedEndpoint
            let unknownTenants = snapshot.actors.filter { $0.tenant != snapshot.tenant.id }.count
            let tenantOK = Optional(snapshot.tenant.id).isSet && snapshot.adapter.tenantMode.isSet && unknownTenants == 0
            let roles = Set(snapshot.actors.compactMap(\.role))
            let missingRoles = Role.allCases.filter { !roles.contains($0) }.map(\.rawValue)
            let rls = context.isReady(.runbook, "schema_rls")
            let backup = snapshot.infrastructure.isAccepted(.secretsBackup)
            let credentials = snapshot.credentialsRef.isSet
            checks = [
                CheckResult("infrastructureAcceptance", .ready, "infrastructure \(infrastructure.count)", owner: snapshot.infrastructure.owner),
                CheckResult("endpointContract", ready: endpoint.isSet, otherwise: .blocked,
                            endpoint.isSet ? "endpoint \(endpoint!)" : "no fresh connection evidence with an endpoint"),
                CheckResult("tenantContext", ready: tenantOK, otherwise: .blocked,
                            tenantOK ? "tenant \(snapshot.tenant.id), \(snapshot.adapter.tenantMode!)"
                                : unknownTenants > 0 ? "\(unknownTenants) actors name an unknown tenant" : "tenant id or tenant mode not set"),
                CheckResult("oidcRbacClaims", ready: missingRoles.isEmpty, otherwise: .blocked,
                            missingRoles.isEmpty ? "all five roles have an actor" : "no actor for: " + missingRoles.joined(separator: ", ")),
                CheckResult("rlsPolicyDraft", ready: rls, otherwise: .blocked, "runbook schema_rls \(rls ? "ready" : "not ready")"),
                CheckResult("secretsBackupBoundary", ready: backup, otherwise: .blocked,
                            backup ? "secrets/backup boundary accepted" : "secrets/backup boundary not accepted",
                            owner: snapshot.infrastructure.owner),
                CheckResult("liveCredentials", ready: credentials, otherwise: .blocked,
                            credentials ? "credentials reference recorded" : "no credentials_ref"),
            ]
        }
        let done = checks.allSatisfy(\.isReady)
        return FamilyResult(
            id: id, contract: Self.contract, checks: checks,
            decision: done ? Self.ready : "BLOCKED_PENDING_INFRASTRUCTURE_OR_CREDENTIALS", successDecision: Self.ready,
            facts: [.init("traffic", done ? "production_traffic_allowed" : "production_traffic_disabled")]
        )
    }
}
