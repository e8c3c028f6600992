/// The steps of `evpack verify`, in the order of SPEC §6.
public enum VerifyStep: String, Sendable, CaseIterable {
    case safety
    case bagit
    case signature
    case replay

    /// The label people read.
    public var label: String {
        switch self {
        case .safety: return "archive safety"
        case .bagit: return "bagit"
        case .signature: return "signature"
        case .replay: return "replay"
        }
    }
}

/// One problem verification found: the step, the file it is about and why.
public struct VerifyFailure: Sendable, Equatable, CustomStringConvertible {
    public var step: VerifyStep
    /// A path inside the pack (`data/index.html`), an archive entry name as written, or the pack itself.
    public var file: String
    public var reason: String

    public init(_ step: VerifyStep, _ file: String, _ reason: String) {
        self.step = step
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}

/// How a step ended.
public enum StepStatus: String, Sendable {
    /// Everything it checks holds.
    case passed
    /// At least one failure.
    case failed
    /// Not run, on request (`--no-replay`) or because there was nothing to check.
    case skipped
    /// There is something to check but it was not checked (a signature without `--key`, replay
    /// without an engine): said out loud, never a silent pass.
    case notChecked = "not_checked"
}

/// The outcome of one step.
public struct StepReport: Sendable {
    public var step: VerifyStep
    public var status: StepStatus
    /// One line: what was checked ("14 entries under evidence-x/").
    public var summary: String
    public var failures: [VerifyFailure]

    public init(step: VerifyStep, status: StepStatus, summary: String, failures: [VerifyFailure] = []) {
        self.step = step
        self.status = failures.isEmpty ? status : .failed
        self.summary = summary
        self.failures = failures
    }

    /// Adds a failure: the step fails.
    mutating func add(_ failure: VerifyFailure) {
        failures.append(failure)
        status = .failed
    }
}

/// The production decision of a pack as its checks give it: replayed, or read from
/// `data/evidence.xml` when replay did not run.
public struct PackDecision: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// The checks ran again from `data/inputs`.
        case replay
        /// Read from `data/evidence.xml` (`--no-replay`, or no replay in this build).
        case evidenceXML = "evidence.xml"
    }

    /// `GO` or `NO-GO <blocking decision>`, as `bag-info.txt` writes it.
    public var value: String
    public var source: Source

    public init(value: String, source: Source) {
        self.value = value
        self.source = source
    }

    public var isGo: Bool { value == "GO" }

    /// The `Production-Decision` value of `bag-info.txt`: `GO`, or `NO-GO` and the blocking decision.
    public static func bagInfoValue(isGo: Bool, blocking: String?) -> String {
        isGo ? "GO" : "NO-GO \(blocking ?? "")"
    }
}

/// Everything `evpack verify` found about one pack.
public struct VerifyReport: Sendable {
    /// The pack as named on the command line.
    public var pack: String
    /// `folder`, or `archive`.
    public var kind: String
    /// The archive's compression (`gzip`, `zstd`, `none`); nil for a folder.
    public var compression: String?
    /// The steps in order: safety, bagit, signature, replay.
    public var steps: [StepReport]
    /// The `bag-info.txt` lines, as read.
    public var bagInfo: [BagInfo.Field]
    /// The production decision the checks give (replayed, or evidence.xml's without replay);
    /// nil when neither could be read. Verified only when the pack is (`decisionVerified`).
    public var decision: PackDecision? = nil

    /// Every failure of every step, in step order.
    public var failures: [VerifyFailure] { steps.flatMap(\.failures) }
    /// True when every step holds (skipped and not-checked steps do not fail a pack).
    public var verified: Bool { failures.isEmpty }
    /// The decision `bag-info.txt` records.
    public var recordedDecision: String? { bagInfo.first { $0.label == "Production-Decision" }?.value }
    /// True when the pack verifies and its checks gave a decision: only then is it shown as verified.
    public var decisionVerified: Bool { verified && decision != nil }

    /// The line about the decision: verified (and where it came from), or "recorded, not verified".
    public var decisionLine: String {
        let identifier = bagInfo.first { $0.label == "External-Identifier" }?.value
        let payload = "payload \(identifier.map { Checksum.short($0) } ?? "unknown")"
        if decisionVerified, let decision {
            let source = decision.source == .replay ? "replayed" : "from evidence.xml, not replayed"
            return "decision \(decision.value) (\(source))  \(payload)"
        }
        return "decision recorded, not verified: \(recordedDecision ?? decision?.value ?? "none")  \(payload)"
    }

    /// The report for people: one line per step, every failure under its step, the decision, a
    /// verdict. Everything that comes from the pack is escaped (`TerminalText`): one line per
    /// line written here, and no control character from the pack.
    public var text: String {
        let safe: (String) -> String = { TerminalText.escaped($0) }
        var out = "pack \(safe(pack)) (\(kind)\(compression.map { ", \(safe($0))" } ?? ""))\n"
        for step in steps {
            let status: String
            switch step.status {
            case .passed: status = "ok"
            case .failed: status = "FAILED"
            case .skipped: status = "skipped"
            case .notChecked: status = "not checked"
            }
            let label = step.step == .safety && kind == "folder" ? "folder safety" : step.step.label
            out += pad(label, 16) + pad(status, 13) + safe(step.summary) + "\n"
            for failure in step.failures {
                out += "  " + safe(failure.description) + "\n"
            }
        }
        if decision != nil || !bagInfo.isEmpty {
            out += safe(decisionLine) + "\n"
        }
        let count = failures.count
        out += verified ? "VERIFIED: every check holds\n" : "NOT VERIFIED: \(count) problem\(count == 1 ? "" : "s")\n"
        return out
    }

    /// The report for tools.
    public var json: JSONValue {
        func failureJSON(_ failure: VerifyFailure, withStep: Bool) -> JSONValue {
            var object = JSONObject()
            if withStep { object["step"] = .string(failure.step.rawValue) }
            object["file"] = .string(failure.file)
            object["reason"] = .string(failure.reason)
            return .object(object)
        }
        var info = JSONObject()
        for field in bagInfo { info[field.label] = .string(field.value) }
        return .object(JSONObject([
            "pack": .string(pack),
            "kind": .string(kind),
            "compression": compression.map { .string($0) } ?? .null,
            "verified": .bool(verified),
            "steps": .array(steps.map { step in
                .object(JSONObject([
                    "step": .string(step.step.rawValue),
                    "status": .string(step.status.rawValue),
                    "summary": .string(step.summary),
                    "failures": .array(step.failures.map { failureJSON($0, withStep: false) }),
                ]))
            }),
            "failures": .array(failures.map { failureJSON($0, withStep: true) }),
            "decision": decisionJSON,
            "bag_info": .object(info),
        ]))
    }

    /// `{"value", "verified", "source"}`: the decision the checks give when the pack verifies,
    /// else the one it records (`source` says which: `replay`, `evidence.xml`, `bag-info.txt`).
    private var decisionJSON: JSONValue {
        var value: String?
        var source: String?
        if decisionVerified, let decision {
            (value, source) = (decision.value, decision.source.rawValue)
        } else if let recordedDecision {
            (value, source) = (recordedDecision, BagIt.infoFile)
        } else if let decision {
            (value, source) = (decision.value, decision.source.rawValue)
        }
        return .object(JSONObject([
            "value": value.map { .string($0) } ?? .null,
            "verified": .bool(decisionVerified),
            "source": source.map { .string($0) } ?? .null,
        ]))
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
