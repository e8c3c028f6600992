/// ProductionAdapterConnection.v1: the selected adapter's endpoint was reached over TLS,
/// with an RBAC session and a write probe (SPEC §3).
struct ConnectionFamily: DecidingFamily {
    static let contract = "ProductionAdapterConnection.v1"

    enum CheckID: String, CheckIdentifier {
        static let family = FamilyID.connection
        case endpointReachability = "endpoint_reachability"
        case tlsFingerprint = "tls_fingerprint"
        case rbacSession = "rbac_session"
        case writeProbe = "write_probe"
    }

    enum Decision: String, FamilyDecision {
        case recorded = "CONNECTION_RECORDED"
        case blockedPendingConnection = "BLOCKED_PENDING_CONNECTION"
        static let success = Decision.recorded
    }

    func evaluate(_ context: EvaluationContext) -> FamilyResult {
        let checks: [CheckResult]
        if let evidence = context.freshConnection {
            checks = Self.checks(evidence, context.snapshot)
        } else {
            checks = CheckID.allCases.map { CheckResult($0, .next, context.connectionAbsence) }
        }
        let complete = checks.allSatisfy(\.isReady)
        return result(contract: Self.contract, checks: checks, decision: complete ? .recorded : .blockedPendingConnection)
    }

    static func checks(_ evidence: ConnectionEvidence, _ snapshot: Snapshot) -> [CheckResult] {
        let endpoint = evidence.redactedEndpoint
        let endpointSet = evidence.endpoint.isSet
        let reachability: String
        switch (endpointSet, evidence.reachable) {
        case (false, _): reachability = "endpoint not recorded"
        case (true, true): reachability = "\(endpoint ?? "") reachable"
        case (true, false): reachability = "\(endpoint ?? "") not recorded as reachable"
        }
        let fingerprintOK = isSHA256Fingerprint(evidence.tlsFingerprint)
        let actorKnown = snapshot.actor(evidence.rbacActor) != nil
        let probe = "written=\(evidence.written) read_back=\(evidence.readBack)"
        return [
            CheckResult(CheckID.endpointReachability, ready: endpointSet && evidence.reachable, reachability),
            CheckResult(
                CheckID.tlsFingerprint, ready: fingerprintOK,
                fingerprintOK ? "SHA-256 fingerprint recorded"
                    : evidence.tlsFingerprint.isSet ? "not a SHA-256 fingerprint (32 colon-separated hex pairs)" : "fingerprint not recorded"
            ),
            CheckResult(
                CheckID.rbacSession, ready: actorKnown,
                actorKnown ? "session as \(evidence.rbacActor ?? "")"
                    : evidence.rbacActor.isSet ? "rbac_actor is not an actor of this snapshot" : "rbac_actor not recorded",
                owner: actorKnown ? evidence.rbacActor : nil
            ),
            CheckResult(CheckID.writeProbe, ready: evidence.written && evidence.readBack, probe),
        ]
    }

    /// 32 colon-separated hex pairs, optionally prefixed `SHA256:`.
    static func isSHA256Fingerprint(_ text: String?) -> Bool {
        guard var text = text else { return false }
        if text.hasPrefix("SHA256:") { text.removeFirst(7) }
        let pairs = text.split(separator: ":", omittingEmptySubsequences: false)
        return pairs.count == 32 && pairs.allSatisfy { pair in
            pair.utf8.count == 2 && pair.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 70) || ($0 >= 97 && $0 <= 102) }
        }
    }
}
