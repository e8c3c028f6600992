/// A `BFGScenarioSnapshot.v1` document, validated (SPEC §2).
public struct Snapshot: Sendable {
    public static let schemaName = "BFGScenarioSnapshot.v1"

    public var session: String
    public var capturedAt: Instant
    public var tenant: Tenant
    public var adapter: Adapter
    public var environments: [Environment]
    public var actors: [Actor]
    public var providers: [Provider]
    /// How many rows each group holds; a missing group is empty.
    public var rowCounts: [RowGroup: Int]
    /// Rehearsals by key; a key that is not listed is not accepted.
    public var rehearsals: [RehearsalKey: Rehearsal]
    public var infrastructure: Infrastructure
    public var connection: ConnectionEvidence?
    public var dryRun: DryRunEvidence?
    public var release: Release
    public var rollback: Rollback
    public var credentialsRef: String?
    /// SHA-256 of the payload's RFC 8785 bytes, 64 lowercase hex digits.
    public var payloadChecksum: String
    /// The document as `data/inputs/snapshot.json` stores it when sanitizing changed anything
    /// outside the payload (SPEC §4); nil when the bytes as given are stored. The snapshot's
    /// values come from this form, so a pack's replay judges what the pack holds.
    public var sanitizedDocument: JSONObject? = nil

    /// `bfg-` + the first 8 hex digits of the payload checksum.
    public var payloadChecksumShort: String { Checksum.short(payloadChecksum) }

    /// The number of rows in all six groups.
    public var rowCount: Int { rowCounts.values.reduce(0, +) }

    public func rowCount(_ group: RowGroup) -> Int { rowCounts[group] ?? 0 }

    public func actor(_ id: String?) -> Actor? {
        guard let id else { return nil }
        return actors.first { $0.id == id }
    }

    public struct Tenant: Sendable {
        public var id: String
        public var name: String?
    }

    public struct Adapter: Sendable {
        public var contract: String?
        public var storage: String?
        public var authMode: String?
        public var tenantMode: String?
        public var target: String?
        public var fallback: String?
        public var lastWriteAt: Instant?
    }

    public struct Environment: Sendable {
        public var name: String?
        public var adapter: String?
        public var state: String?
    }

    public struct Actor: Sendable {
        public var id: String
        public var name: String?
        public var role: Role?
        public var desk: String?
        /// The actor's tenant; `tenant.id` when the snapshot names none.
        public var tenant: String
        public var permissions: [String]
    }

    public struct Provider: Sendable {
        public var key: String
        public var name: String?
        public var current: String?
        public var target: String?
    }

    public struct Rehearsal: Sendable {
        public var owner: String?
        public var acceptedAt: Instant?
        public var isAccepted: Bool { acceptedAt != nil }
    }

    public struct Infrastructure: Sendable {
        public var owner: String?
        public var decisions: [InfrastructureKey: Decision]

        public struct Decision: Sendable {
            public var value: String?
            public var acceptedAt: Instant?
            /// Accepted when both a value and an acceptance time are set.
            public var isAccepted: Bool { value.isSet && acceptedAt != nil }
        }

        public func isAccepted(_ key: InfrastructureKey) -> Bool { decisions[key]?.isAccepted ?? false }
    }

    public struct Release: Sendable {
        public var environment: String?
    }

    public struct Rollback: Sendable {
        public var owner: String?
        public var ownerAckAt: Instant?
    }
}

/// Where a piece of evidence says it was made: the payload checksum it names.
public enum EvidenceBinding: Sendable, Equatable {
    /// No `snapshot_checksum` was recorded.
    case none
    /// A full 64-hex checksum, lowercased.
    case full(String)
    /// A short `bfg-xxxxxxxx` checksum, lowercased.
    case short(String)

    /// Whether the evidence was made against the payload with this checksum.
    public func matches(_ payloadChecksum: String) -> Bool {
        switch self {
        case .none: return false
        case .full(let hex): return hex == payloadChecksum
        case .short(let short): return short == Checksum.short(payloadChecksum)
        }
    }

    /// The short form for messages, or `unknown`.
    public var shortDescription: String {
        switch self {
        case .none: return "unknown"
        case .full(let hex): return Checksum.short(hex)
        case .short(let short): return short
        }
    }
}

/// `ProductionAdapterConnection.v1` evidence as recorded in the snapshot.
public struct ConnectionEvidence: Sendable {
    public var binding: EvidenceBinding
    /// The endpoint as stored (sanitized); shown only as `redactedEndpoint`.
    public var endpoint: String?
    public var reachable: Bool
    public var tlsFingerprint: String?
    public var rbacActor: String?
    public var written: Bool
    public var readBack: Bool
    public var recordedAt: Instant?
    public var recordedBy: String?
    /// What the recording saw, line by line (`evpack rehearse` writes one).
    public var transcript: String?

    /// The endpoint without user info, password, query or fragment (URL, libpq or JDBC form).
    public var redactedEndpoint: String? { endpoint.map(Redaction.endpoint) }
}

/// `ProductionAdapterDryRun.v1` evidence as recorded in the snapshot.
public struct DryRunEvidence: Sendable {
    public var binding: EvidenceBinding
    public var replayId: String?
    public var ranAt: Instant?
    /// The actor the replay was recorded for.
    public var recordedBy: String?
    public var steps: [DryRunStep: Step]
    public var verifiedObjects: Set<RunbookObject>

    public struct Step: Sendable {
        public var passed: Bool
        public var transcript: String?
        public var isReady: Bool { passed && transcript.isSet }
    }
}

public enum Role: String, Sendable, CaseIterable {
    case managingDirector = "managing_director"
    case dispatcher, accountant, driver, client
}

public enum RowGroup: String, Sendable, CaseIterable {
    case orders
    case driverEvents = "driver_events"
    case clientRequests = "client_requests"
    case dispatchEvidence = "dispatch_evidence"
    case financeEvents = "finance_events"
    case auditEvents = "audit_events"
}

/// The six owner-led DB/auth migration steps, in order.
public enum RehearsalKey: String, Sendable, CaseIterable {
    case contractsFrozen = "contracts_frozen"
    case roleHeadersMapped = "role_headers_mapped"
    case scenarioStoreRehearsal = "scenario_store_rehearsal"
    case dbSchema = "db_schema"
    case secretsAuth = "secrets_auth"
    case migrationRollback = "migration_rollback"
}

public enum InfrastructureKey: String, Sendable, CaseIterable {
    case hosting, region
    case runtimeOwner = "runtime_owner"
    case secretsBackup = "secrets_backup"
}

public enum DryRunStep: String, Sendable, CaseIterable {
    case snapshotExport = "snapshot_export"
    case schemaMapValidation = "schema_map_validation"
    case rbacClaimsRehearsal = "rbac_claims_rehearsal"
    case adapterReplayTranscript = "adapter_replay_transcript"
    case rollbackCheckpoint = "rollback_checkpoint"
}

/// The six objects of the runbook outline a dry-run can verify.
public enum RunbookObject: String, Sendable, CaseIterable {
    case tenants, users
    case scenarioSnapshots = "scenario_snapshots"
    case auditEvents = "audit_events"
    case rlsEnabled = "rls_enabled"
    case tenantPolicies = "tenant_policies"
}

extension Optional where Wrapped == String {
    /// Set: neither nil, nor empty, nor only white space.
    public var isSet: Bool {
        guard let self else { return false }
        return self.unicodeScalars.contains { !$0.properties.isWhitespace }
    }
}
