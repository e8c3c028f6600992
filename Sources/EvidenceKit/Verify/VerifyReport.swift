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

    /// Every failure of every step, in step order.
    public var failures: [VerifyFailure] { steps.flatMap(\.failures) }
    /// True when every step holds (skipped and not-checked steps do not fail a pack).
    public var verified: Bool { failures.isEmpty }

    /// The report for people: one line per step, every failure under its step, a verdict.
    public var text: String {
        var out = "pack \(pack) (\(kind)\(compression.map { ", \($0)" } ?? ""))\n"
        for step in steps {
            let status: String
            switch step.status {
            case .passed: status = "ok"
            case .failed: status = "FAILED"
            case .skipped: status = "skipped"
            case .notChecked: status = "not checked"
            }
            let label = step.step == .safety && kind == "folder" ? "folder safety" : step.step.label
            out += pad(label, 16) + pad(status, 13) + step.summary + "\n"
            for failure in step.failures {
                out += "  " + failure.description + "\n"
            }
        }
        let decision = bagInfo.first { $0.label == "Production-Decision" }?.value
        let identifier = bagInfo.first { $0.label == "External-Identifier" }?.value
        if decision != nil || identifier != nil {
            out += "decision \(decision ?? "unknown")  payload \(identifier.map { Checksum.short($0) } ?? "unknown")\n"
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
            "bag_info": .object(info),
        ]))
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
