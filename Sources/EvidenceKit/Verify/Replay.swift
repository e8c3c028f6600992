/// What replay gets from a pack: the recorded inputs and the recorded results.
public struct ReplayInput: Sendable {
    /// `data/evidence.xml`.
    public static let evidencePath = "data/evidence.xml"
    /// `data/inputs`.
    public static let inputsFolder = "data/inputs"

    /// The bytes of `data/evidence.xml`, when the pack holds it.
    public var evidenceXML: [UInt8]?
    /// The files of `data/inputs/`, by their name inside it (`snapshot.json`, `records.jsonl`, `options.json`).
    public var inputs: [String: [UInt8]]
    /// The `bag-info.txt` lines.
    public var bagInfo: [BagInfo.Field]

    public init(evidenceXML: [UInt8]?, inputs: [String: [UInt8]], bagInfo: [BagInfo.Field]) {
        self.evidenceXML = evidenceXML
        self.inputs = inputs
        self.bagInfo = bagInfo
    }
}

/// What a replay found.
public enum ReplayOutcome: Sendable {
    /// The checks ran again; every difference is a failure (file `data/evidence.xml`, say).
    case checked(summary: String, failures: [(file: String, reason: String)])
    /// This build cannot replay; the reason is shown, and it is not a failure.
    case unavailable(String)
}

/// Runs the checks again from a pack's inputs and compares them with its evidence.xml.
///
/// The check engine provides the real one; `ReplayUnavailable` stands in until it is wired.
public protocol PackReplayer: Sendable {
    func replay(_ input: ReplayInput) -> ReplayOutcome
}

/// The replayer of a build without the check engine wired to verify.
public struct ReplayUnavailable: PackReplayer {
    public init() {}

    public func replay(_ input: ReplayInput) -> ReplayOutcome {
        .unavailable("replay: not available in this build")
    }
}
