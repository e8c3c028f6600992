/// What the operations family found in the records, for the report and the pack's
/// operations page (SPEC §3 Operations, §4). Lists are bounded ("top N"); totals are exact.
public struct OperationsSummary: Sendable, Equatable {
    /// The window name (`1h`, `24h`, `7d`) and its bounds; the end is as-of.
    public var window: String
    public var windowStart: Instant
    public var windowEnd: Instant
    public var counts: IngestCounts
    /// The first rejects, in input order (all of them are in `data/inputs/rejects.jsonl`).
    public var rejects: [RecordReject]
    public var stuckRuns: Bounded<RunSummary>
    public var failedRuns: Bounded<RunSummary>
    /// Runs by outcome (`pending`, `succeeded`, …; `none` when a run has none), every run in the records.
    public var runsByOutcome: [Count]
    /// Accepted records per UTC day, for the days ending with as-of's day (at most 30 days).
    public var recordsPerDay: [Count]
    /// Operational controls active at as-of.
    public var activeControls: [ControlSummary]
    /// Deploy jobs in the window that break their environment's policy.
    public var deployFindings: Bounded<DeployFinding>
    /// Health per workspace seen in the records, worst first, then by name.
    public var health: [WorkspaceHealth]
    /// Usage events per event family in the window, and overall (family `all`).
    public var telemetry: [TelemetryFamily]

    public init(
        window: String, windowStart: Instant, windowEnd: Instant, counts: IngestCounts = IngestCounts(),
        rejects: [RecordReject] = [], stuckRuns: Bounded<RunSummary> = .init(), failedRuns: Bounded<RunSummary> = .init(),
        runsByOutcome: [Count] = [], recordsPerDay: [Count] = [], activeControls: [ControlSummary] = [],
        deployFindings: Bounded<DeployFinding> = .init(), health: [WorkspaceHealth] = [], telemetry: [TelemetryFamily] = []
    ) {
        self.window = window
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.counts = counts
        self.rejects = rejects
        self.stuckRuns = stuckRuns
        self.failedRuns = failedRuns
        self.runsByOutcome = runsByOutcome
        self.recordsPerDay = recordsPerDay
        self.activeControls = activeControls
        self.deployFindings = deployFindings
        self.health = health
        self.telemetry = telemetry
    }

    /// How many workspaces are at each health level, worst first (every level, zeros too).
    public var healthCounts: [(level: HealthLevel, workspaces: Int)] {
        HealthLevel.allCases.reversed().map { level in (level, health.filter { $0.level == level }.count) }
    }

    /// A label and a number (a chart bar, a table row).
    public struct Count: Sendable, Equatable {
        public var label: String
        public var value: Int
        public init(_ label: String, _ value: Int) {
            self.label = label
            self.value = value
        }
    }
}

/// The first items of a list and how many there are in all.
public struct Bounded<Item: Sendable & Equatable>: Sendable, Equatable {
    public var items: [Item]
    public var total: Int
    public init(items: [Item] = [], total: Int = 0) {
        self.items = items
        self.total = total
    }
}

public struct RunSummary: Sendable, Equatable {
    public var id: String
    public var type: String
    public var status: String
    public var outcome: String?
    public var workspaceID: String
    public var createdAt: Instant
    public var startedAt: Instant?
    public var completedAt: Instant?
    /// Why it is listed: "queued 45 min without start", "failed at 2026-11-20T08:10:00Z".
    public var note: String

    public init(id: String, type: String, status: String, outcome: String?, workspaceID: String, createdAt: Instant,
                startedAt: Instant?, completedAt: Instant?, note: String) {
        self.id = id
        self.type = type
        self.status = status
        self.outcome = outcome
        self.workspaceID = workspaceID
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.note = note
    }
}

public struct ControlSummary: Sendable, Equatable {
    public var id: String
    public var controlKey: String
    /// `global` or `workspace`.
    public var scope: String
    public var workspaceID: String?
    public var actorID: String
    public var activatedAt: Instant
    public var expiresAt: Instant?
    /// The operator's reason (sanitized, at most 500 characters).
    public var reason: String

    public init(id: String, controlKey: String, scope: String, workspaceID: String?, actorID: String, activatedAt: Instant,
                expiresAt: Instant?, reason: String) {
        self.id = id
        self.controlKey = controlKey
        self.scope = scope
        self.workspaceID = workspaceID
        self.actorID = actorID
        self.activatedAt = activatedAt
        self.expiresAt = expiresAt
        self.reason = reason
    }
}

public struct DeployFinding: Sendable, Equatable {
    public var jobID: String
    public var project: String
    public var environment: String
    /// `ref_type`, `ref_pattern`, `approvals`, `rejection`, `deploy_window` or `environment_lock`.
    public var rule: String
    public var message: String

    public init(jobID: String, project: String, environment: String, rule: String, message: String) {
        self.jobID = jobID
        self.project = project
        self.environment = environment
        self.rule = rule
        self.message = message
    }
}

public enum HealthLevel: String, Sendable, CaseIterable, Comparable {
    case ok, warning, critical

    public static func < (a: HealthLevel, b: HealthLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

public struct WorkspaceHealth: Sendable, Equatable {
    public var workspace: String
    public var level: HealthLevel
    /// What made it so: "2 stuck runs", "global pause restore.execute".
    public var reasons: [String]

    public init(workspace: String, level: HealthLevel, reasons: [String]) {
        self.workspace = workspace
        self.level = level
        self.reasons = reasons
    }
}

public struct TelemetryFamily: Sendable, Equatable {
    /// `onboarding`, `support_diagnostics`, `operations`, `stored_report`, `review_pack`, or `all`.
    public var family: String
    public var events: Int
    public var workspaces: Int

    public init(family: String, events: Int, workspaces: Int) {
        self.family = family
        self.events = events
        self.workspaces = workspaces
    }
}
