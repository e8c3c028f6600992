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
    /// Inputs that were handed to the replayer's streams as they were read (by path in the
    /// bag), finished; they are not in `inputs`.
    public var streams: [String: any ReplayStream]

    public init(evidenceXML: [UInt8]?, inputs: [String: [UInt8]], bagInfo: [BagInfo.Field], streams: [String: any ReplayStream] = [:]) {
        self.evidenceXML = evidenceXML
        self.inputs = inputs
        self.bagInfo = bagInfo
        self.streams = streams
    }
}

/// Takes one file of a pack as it is read, so that a large input (the records) is processed
/// on the way and never held in memory whole.
public protocol ReplayStream: AnyObject, Sendable {
    /// The next bytes of the file, in order.
    func write(_ chunk: UnsafeRawBufferPointer)
    /// No more bytes will come.
    func finish()
}

/// What a replay found.
public enum ReplayOutcome: Sendable {
    /// The checks ran again; every difference is a failure (file `data/evidence.xml`, say).
    /// `decision` is the production decision the replayed checks give, as `bag-info.txt`
    /// writes it (`GO`, `NO-GO BLOCKED_…`), when they got that far.
    case checked(summary: String, failures: [(file: String, reason: String)], decision: String? = nil)
    /// This build cannot replay; the reason is shown, and it is not a failure.
    case unavailable(String)
}

/// Runs the checks again from a pack's inputs and compares them with its evidence.xml.
///
/// The check engine provides the real one; `ReplayUnavailable` stands in until it is wired.
public protocol PackReplayer: Sendable {
    /// Streams for inputs this replayer takes as they are read, by path in the bag
    /// (`data/inputs/records.jsonl`); called once per verification, before reading.
    func streams() -> [String: any ReplayStream]
    func replay(_ input: ReplayInput) -> ReplayOutcome
}

extension PackReplayer {
    public func streams() -> [String: any ReplayStream] { [:] }
}

/// The replayer of a build without the check engine wired to verify.
public struct ReplayUnavailable: PackReplayer {
    public init() {}

    public func replay(_ input: ReplayInput) -> ReplayOutcome {
        .unavailable("replay: not available in this build")
    }
}
