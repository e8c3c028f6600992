import Foundation

/// `records_present`: at least one accepted record (SPEC §4); the counts come from
/// `OperationsQueries.counts()` (expired usage events are not accepted).

extension OperationsFamily {
    static func recordsPresent(_ context: EvaluationContext) -> CheckResult {
        let findings = context.operations
        return CheckResult(
            CheckID.recordsPresent, ready: findings.acceptedRecords > 0, otherwise: .review,
            // Only what replay can reproduce: the rejects and duplicates of the original
            // ingest are reported by the operations summary, not by this check.
            findings.acceptedRecords > 0
                ? "\(findings.acceptedRecords) accepted records"
                : "no accepted records: production cannot be GO without an audit trail"
        )
    }
}
