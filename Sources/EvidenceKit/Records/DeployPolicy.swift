import Foundation

/// What may be deployed to an environment, and how (SPEC §4, reference deploy control plane).
public struct DeployPolicy: Sendable, Equatable {
    /// `branch`, `tag`, `sha`.
    public var allowedRefTypes: [String]
    /// Regular expressions matched against the whole branch name.
    public var allowedBranches: [String]
    /// Regular expressions matched against the whole tag name.
    public var allowedTags: [String]
    /// Approvals from distinct users other than the requester.
    public var approvalsRequired: Int
    public var window: DeployWindow?

    public init(allowedRefTypes: [String], allowedBranches: [String] = [], allowedTags: [String] = [],
                approvalsRequired: Int = 0, window: DeployWindow? = nil) {
        self.allowedRefTypes = allowedRefTypes
        self.allowedBranches = allowedBranches
        self.allowedTags = allowedTags
        self.approvalsRequired = approvalsRequired
        self.window = window
    }
}

/// A deploy window: [from, to) local time on the listed ISO weekdays (1 = Monday … 7 = Sunday).
public struct DeployWindow: Sendable, Equatable {
    public var timeZone: String
    public var days: [Int]
    /// `HH:MM`.
    public var from: String
    public var to: String

    public init(timeZone: String, days: [Int], from: String, to: String) {
        self.timeZone = timeZone
        self.days = days
        self.from = from
        self.to = to
    }
}

/// The policies of the three environments.
public struct DeployPolicySet: Sendable, Equatable {
    public var stage: DeployPolicy
    public var demo: DeployPolicy
    public var prod: DeployPolicy

    public init(stage: DeployPolicy, demo: DeployPolicy, prod: DeployPolicy) {
        self.stage = stage
        self.demo = demo
        self.prod = prod
    }

    public subscript(environment: String) -> DeployPolicy? {
        switch environment {
        case "stage": return stage
        case "demo": return demo
        case "prod": return prod
        default: return nil
        }
    }

    /// The defaults of SPEC §4.
    public static let defaults = DeployPolicySet(
        stage: DeployPolicy(allowedRefTypes: ["branch", "sha"], allowedBranches: ["develop", "feature/.*", "bugfix/.*"]),
        demo: DeployPolicy(allowedRefTypes: ["branch"], allowedBranches: ["main", "release/.*"], approvalsRequired: 1),
        prod: DeployPolicy(
            allowedRefTypes: ["tag"], allowedTags: [#"v\d+\.\d+\.\d+"#], approvalsRequired: 2,
            window: DeployWindow(timeZone: "Europe/Rome", days: [1, 2, 3, 4, 5], from: "09:00", to: "19:00")
        )
    )
}

/// The per-job rules of a deploy policy (SPEC §4); the lock overlap comes from SQL.
struct DeployPolicyChecker {
    struct Job {
        var id: String
        var project: String
        var environment: String
        var refType: String
        var refName: String
        var requestedBy: String
        var status: String
        var startedAt: Instant?
        var finishedAt: Instant?
        var approvals: Int
        var rejections: Int
        var overlaps: Bool
    }

    /// A deploy window with its times and time zone worked out once.
    struct Window {
        var days: [Int]
        var from: Int?
        var to: Int?
        var zone: TimeZone?

        init(_ window: DeployWindow) {
            days = window.days
            from = LocalTime.minutes(window.from)
            to = LocalTime.minutes(window.to)
            zone = TimeZone(identifier: window.timeZone)
        }

        /// [from, to) local time on the listed weekdays.
        func contains(_ instant: Instant) -> Bool {
            guard let zone, let from, let to else { return false }
            let (weekday, minutes) = LocalTime.weekdayAndMinutes(instant, in: zone)
            return days.contains(weekday) && minutes >= from && minutes < to
        }
    }

    let policy: DeployPolicySet
    /// Each environment's window, by environment name.
    private let windows: [String: Window]
    private var expressions: [String: NSRegularExpression] = [:]

    init(policy: DeployPolicySet) {
        self.policy = policy
        var windows: [String: Window] = [:]
        for environment in RecordRules.environments {
            if let window = policy[environment]?.window { windows[environment] = Window(window) }
        }
        self.windows = windows
    }

    mutating func matches(_ pattern: String, _ text: String) -> Bool {
        if expressions[pattern] == nil {
            expressions[pattern] = WholeMatch.regex(pattern)
        }
        guard let regex = expressions[pattern] else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    mutating func check(_ job: Job) -> [DeployFinding] {
        guard let rules = policy[job.environment] else { return [] }
        var findings: [DeployFinding] = []
        func finding(_ rule: String, _ message: String) {
            findings.append(DeployFinding(jobID: job.id, project: job.project, environment: job.environment, rule: rule, message: message))
        }
        if !rules.allowedRefTypes.contains(job.refType) {
            finding("ref_type", "\(job.refType) refs are not allowed in \(job.environment) (allowed: \(rules.allowedRefTypes.joined(separator: ", ")))")
        } else if job.refType != "sha" {
            let patterns = job.refType == "branch" ? rules.allowedBranches : rules.allowedTags
            if !patterns.contains(where: { matches($0, job.refName) }) {
                finding("ref_pattern", "\(job.refType) \(job.refName) matches none of \(patterns.joined(separator: ", "))")
            }
        }
        let ran = ["running", "success", "failed"].contains(job.status) || job.startedAt != nil
        if ran, job.approvals < rules.approvalsRequired {
            finding("approvals", "\(job.approvals) of \(rules.approvalsRequired) required approvals from users other than the requester")
        }
        if job.status == "success", job.rejections > 0 {
            finding("rejection", "rejected before it finished, yet ran to success")
        }
        if let window = rules.window, let started = job.startedAt, windows[job.environment]?.contains(started) != true {
            finding("deploy_window", "started \(started.rfc3339), outside \(window.from)–\(window.to) \(window.timeZone) on weekdays \(window.days.map(String.init).joined(separator: ","))")
        }
        if job.overlaps {
            finding("environment_lock", "held \(job.project)/\(job.environment) while another job held it")
        }
        return findings
    }
}

