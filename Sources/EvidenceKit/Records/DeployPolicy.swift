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
