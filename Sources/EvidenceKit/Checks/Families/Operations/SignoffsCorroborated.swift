import Foundation

/// `signoffs_corroborated`: every accepted rehearsal, infrastructure decision and rollback
/// acknowledgement has its `signoff.recorded` audit event (SPEC §4).

extension OperationsFamily {
    static func signoffsCorroborated(_ context: EvaluationContext) -> CheckResult {
        let signoffs = context.operations.signoffs
        let missing = signoffs.filter { !$0.corroborated }
        return CheckResult(
            CheckID.signoffsCorroborated, ready: missing.isEmpty, otherwise: .review,
            signoffs.isEmpty ? "nothing accepted yet, nothing to corroborate"
                : missing.isEmpty ? "\(signoffs.count)/\(signoffs.count) sign-offs backed by signoff.recorded audit events"
                : "\(signoffs.count - missing.count)/\(signoffs.count) sign-offs corroborated; missing: "
                    + missing.map { "\($0.subject) (\($0.owner ?? "no owner"))" }.joined(separator: ", ")
        )
    }
}

extension OperationsQueries {
    func signoffs(_ snapshot: Snapshot) throws -> [SignoffCheck] {
        try OperationsFindings.expectedSignoffs(snapshot).map { expected in
            let deadline = min(expected.acceptedAt.adding(seconds: 86_400).nanosecondsSinceEpoch, asOf)
            let found = try sql.firstRow("""
                SELECT 1 FROM audit WHERE action = 'signoff.recorded' AND subject_id = ? AND actor_id IS NOT DISTINCT FROM ?
                AND status = 'success' AND recorded_at <= ? LIMIT 1
                """, [.text(expected.subject), expected.owner.map(LedgerValue.text) ?? .null, .integer(deadline)]) != nil
            return SignoffCheck(subject: expected.subject, owner: expected.owner, acceptedAt: expected.acceptedAt, corroborated: found)
        }
    }

}

extension OperationsFindings {
    /// Every accepted rehearsal, accepted infrastructure decision and rollback acknowledgement.
    static func expectedSignoffs(_ snapshot: Snapshot) -> [(subject: String, owner: String?, acceptedAt: Instant)] {
        var result: [(String, String?, Instant)] = []
        for key in RehearsalKey.allCases {
            if let rehearsal = snapshot.rehearsals[key], let accepted = rehearsal.acceptedAt {
                result.append((key.rawValue, rehearsal.owner, accepted))
            }
        }
        for key in InfrastructureKey.allCases {
            if let decision = snapshot.infrastructure.decisions[key], decision.isAccepted, let accepted = decision.acceptedAt {
                result.append((key.rawValue, snapshot.infrastructure.owner, accepted))
            }
        }
        if let ack = snapshot.rollback.ownerAckAt {
            result.append(("rollback_ack", snapshot.rollback.owner, ack))
        }
        return result
    }
}
