/// The options an evaluation ran with; recorded in `data/inputs/options.json` so that
/// `evpack verify` can replay the checks exactly.
public struct RunOptions: Sendable, Equatable {
    public var asOf: Instant
    /// `1h`, `24h` or `7d`.
    public var window: Window
    public var stuckQueuedMinutes: Int
    public var stuckRunningMinutes: Int
    public var policy: DeployPolicySet

    /// The stuck-run thresholds a user may give, in minutes (the upper end keeps the ledger's
    /// arithmetic in seconds far from overflow).
    public static let minutesRange = 1...1_000_000
    public static let defaultStuckQueuedMinutes = 30
    public static let defaultStuckRunningMinutes = 120

    public init(asOf: Instant, window: Window = .day, stuckQueuedMinutes: Int = defaultStuckQueuedMinutes,
                stuckRunningMinutes: Int = defaultStuckRunningMinutes, policy: DeployPolicySet = .defaults) {
        self.asOf = asOf
        self.window = window
        self.stuckQueuedMinutes = stuckQueuedMinutes
        self.stuckRunningMinutes = stuckRunningMinutes
        self.policy = policy
    }

    public enum Window: String, Sendable, CaseIterable, Decodable {
        case hour = "1h"
        case day = "24h"
        case week = "7d"

        public var seconds: Int64 {
            switch self {
            case .hour: return 3600
            case .day: return 86_400
            case .week: return 7 * 86_400
            }
        }
    }

    /// The first instant inside the window (the window is [as-of − window, as-of]).
    public var windowStart: Instant { asOf.adding(seconds: -window.seconds) }
}

// MARK: - options.json

extension RunOptions {
    /// The options as recorded in `data/inputs/options.json`.
    public var json: JSONValue {
        .object(JSONObject([
            "as_of": .string(asOf.rfc3339),
            "window": .string(window.rawValue),
            "stuck_queued_minutes": .number(Double(stuckQueuedMinutes)),
            "stuck_running_minutes": .number(Double(stuckRunningMinutes)),
            "policy": policy.json,
        ]))
    }
}

extension RunOptions: Decodable {
    enum CodingKeys: String, CodingKey {
        case asOf = "as_of", window, policy
        case stuckQueuedMinutes = "stuck_queued_minutes", stuckRunningMinutes = "stuck_running_minutes"
    }

    /// Reads options recorded by `json` (`StrictJSON.decode(RunOptions.self, from:)`); throws
    /// an `OptionsError` naming the field.
    public init(from decoder: any Decoder) throws {
        guard let object = try? decoder.container(keyedBy: CodingKeys.self) else { throw OptionsError("options: expected an object") }
        guard let asOfText = try? object.decode(String.self, forKey: .asOf), let asOf = Instant(rfc3339: asOfText) else {
            throw OptionsError("options.as_of: expected an RFC 3339 time")
        }
        guard let window = try? object.decode(Window.self, forKey: .window) else {
            throw OptionsError("options.window: expected 1h, 24h or 7d")
        }
        func minutes(_ key: CodingKeys) throws(OptionsError) -> Int {
            guard let n = try? object.decode(Double.self, forKey: key), n == n.rounded(),
                  Double(Self.minutesRange.lowerBound)...Double(Self.minutesRange.upperBound) ~= n else {
                throw OptionsError("options.\(key.stringValue): expected a whole number of minutes")
            }
            return Int(n)
        }
        // The policy reader is the --policy file's (DeployPolicySet(json:base:)).
        let policy = try object.decodeIfPresent(JSONValue.self, forKey: .policy)
            .map { value throws(OptionsError) in try DeployPolicySet(json: value, base: .defaults) } ?? .defaults
        self.init(asOf: asOf, window: window, stuckQueuedMinutes: try minutes(.stuckQueuedMinutes),
                  stuckRunningMinutes: try minutes(.stuckRunningMinutes), policy: policy)
    }
}

/// An options or policy document that cannot be used.
public struct OptionsError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

// MARK: - policy files

extension DeployPolicySet {
    /// The policy set in the `--policy` file format: `{"stage": rules, "demo": rules, "prod": rules}`.
    public var json: JSONValue {
        .object(JSONObject([
            "stage": stage.json,
            "demo": demo.json,
            "prod": prod.json,
        ]))
    }

    /// Reads a policy document; environments it does not name keep the policy of `base`.
    public init(json value: JSONValue, base: DeployPolicySet) throws(OptionsError) {
        guard case .object(let object) = value else { throw OptionsError("policy: expected an object with stage, demo and prod") }
        var result = base
        for member in object.members {
            let policy = try DeployPolicy(json: member.value, path: "policy.\(member.key)")
            switch member.key {
            case "stage": result.stage = policy
            case "demo": result.demo = policy
            case "prod": result.prod = policy
            default: throw OptionsError("policy.\(member.key): unknown environment; expected stage, demo or prod")
            }
        }
        self = result
    }
}

extension DeployPolicy {
    /// The rules in the reference's `rules_json` form.
    public var json: JSONValue {
        var object = JSONObject([
            "allowed_ref_types": .array(allowedRefTypes.map(JSONValue.string)),
            "allowed_branches": .array(allowedBranches.map(JSONValue.string)),
            "allowed_tags": .array(allowedTags.map(JSONValue.string)),
            "approvals_required": .number(Double(approvalsRequired)),
        ])
        if let window {
            object["restrict_deploy_window"] = .object(JSONObject([
                "tz": .string(window.timeZone),
                "days": .array(window.days.map { .number(Double($0)) }),
                "from": .string(window.from),
                "to": .string(window.to),
            ]))
        }
        return .object(object)
    }

    /// Reads `rules_json`; keys it does not use (`require_ci_success`, …) are ignored.
    public init(json value: JSONValue, path: String) throws(OptionsError) {
        guard case .object(let object) = value else { throw OptionsError("\(path): expected an object") }
        func strings(_ key: String, allowed: Set<String>? = nil) throws(OptionsError) -> [String] {
            guard let member = object[key], !member.isNull else { return [] }
            guard case .array(let items) = member else { throw OptionsError("\(path).\(key): expected an array of strings") }
            var result: [String] = []
            for (i, item) in items.enumerated() {
                guard let text = item.stringValue else { throw OptionsError("\(path).\(key)[\(i)]: expected a string") }
                if let allowed, !allowed.contains(text) {
                    throw OptionsError("\(path).\(key)[\(i)]: \"\(text)\" is not one of \(allowed.sorted().joined(separator: ", "))")
                }
                result.append(text)
            }
            return result
        }
        let refTypes = try strings("allowed_ref_types", allowed: ["branch", "tag", "sha"])
        let branches = try strings("allowed_branches")
        let tags = try strings("allowed_tags")
        for (key, patterns) in [("allowed_branches", branches), ("allowed_tags", tags)] {
            for (i, pattern) in patterns.enumerated() where !WholeMatch.isValid(pattern) {
                throw OptionsError("\(path).\(key)[\(i)]: not a valid regular expression")
            }
        }
        var approvals = 0
        if let member = object["approvals_required"], !member.isNull {
            guard case .number(let n) = member, n >= 0, n <= 100, n == n.rounded() else {
                throw OptionsError("\(path).approvals_required: expected a whole number from 0 to 100")
            }
            approvals = Int(n)
        }
        var window: DeployWindow?
        if let member = object["restrict_deploy_window"], !member.isNull {
            guard case .object(let w) = member else { throw OptionsError("\(path).restrict_deploy_window: expected an object") }
            let wpath = path + ".restrict_deploy_window"
            guard let tz = w["tz"]?.stringValue, LocalTime.isKnownTimeZone(tz) else {
                throw OptionsError("\(wpath).tz: expected a time zone name such as Europe/Rome")
            }
            guard case .array(let dayValues)? = w["days"] else { throw OptionsError("\(wpath).days: expected an array of weekdays 1–7") }
            var days: [Int] = []
            for (i, day) in dayValues.enumerated() {
                guard case .number(let n) = day, n >= 1, n <= 7, n == n.rounded() else {
                    throw OptionsError("\(wpath).days[\(i)]: expected a weekday number 1 (Monday) to 7 (Sunday)")
                }
                days.append(Int(n))
            }
            guard let from = w["from"]?.stringValue, LocalTime.minutes(from) != nil else { throw OptionsError("\(wpath).from: expected HH:MM") }
            guard let to = w["to"]?.stringValue, LocalTime.minutes(to) != nil else { throw OptionsError("\(wpath).to: expected HH:MM") }
            window = DeployWindow(timeZone: tz, days: days, from: from, to: to)
        }
        self.init(allowedRefTypes: refTypes, allowedBranches: branches, allowedTags: tags, approvalsRequired: approvals, window: window)
    }
}
