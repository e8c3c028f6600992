#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `evpack verify` runs.
public struct VerifyOptions: Sendable {
    /// Checks `signature.json` against this key when set.
    public var key: VerifyingKey?
    /// False for `--no-replay`.
    public var replay: Bool
    public var limits: VerifyLimits
    /// Runs the checks again from the pack's inputs.
    public var replayer: any PackReplayer
    /// Receives bytes done and the total while reading.
    public var progress: ProgressSink?

    public init(
        key: VerifyingKey? = nil, replay: Bool = true, limits: VerifyLimits = VerifyLimits(),
        replayer: any PackReplayer = ReplayUnavailable(), progress: ProgressSink? = nil
    ) {
        self.key = key
        self.replay = replay
        self.limits = limits
        self.replayer = replayer
        self.progress = progress
    }
}

/// Verifies a pack offline, folder or archive, in the order of SPEC §6: safety, BagIt,
/// signature, replay. Every step runs and every failure is reported, not only the first.
public enum PackVerifier {
    /// The report on the pack at `path`; throws only when there is no pack to read there.
    public static func verify(_ path: String, options: VerifyOptions = VerifyOptions()) throws(PackError) -> VerifyReport {
        try verifyKeeping(path, options: options).report
    }

    /// The pack at `path` checked for archive safety and BagIt validity only (no signature
    /// key, no replay: the steps a reader of the pack's results needs), and the bytes of its
    /// `data/evidence.xml` when it has one.
    public static func checkedEvidence(_ path: String, limits: VerifyLimits = VerifyLimits()) throws(PackError) -> (report: VerifyReport, evidenceXML: [UInt8]?) {
        let (report, contents) = try verifyKeeping(path, options: VerifyOptions(replay: false, limits: limits))
        return (report, contents.bytes(ReplayInput.evidencePath))
    }

    private static func verifyKeeping(_ path: String, options: VerifyOptions) throws(PackError) -> (report: VerifyReport, contents: PackContents) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw PackError(path, "cannot read: \(errnoText())") }
        let streams = options.replay ? options.replayer.streams() : [:]
        // Finished on every way out, so nothing waits on a stream that will not be written.
        defer { for stream in streams.values { stream.finish() } }
        var keep = KeepPolicy(replay: options.replay, budget: options.limits.maxInMemoryBytes, streams: streams)
        keep.keepsEvidence = true
        let contents: PackContents
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            kind = "folder"
            contents = try FolderReader.read(path, keep: keep, progress: options.progress)
        case S_IFREG:
            kind = "archive"
            contents = try ArchiveReader.read(path, keep: keep, limits: options.limits, progress: options.progress)
        default:
            throw PackError(path, "not a folder or an archive file")
        }
        for stream in streams.values { stream.finish() }
        return (report(pack: path, kind: kind, contents: contents, options: options, streams: streams), contents)
    }

    static func report(pack: String, kind: String, contents: PackContents, options: VerifyOptions, streams: [String: any ReplayStream] = [:]) -> VerifyReport {
        let noun = kind == "folder" ? (contents.entryCount == 1 ? "file or folder" : "files and folders") : (contents.entryCount == 1 ? "entry" : "entries")
        var safetySummary = "\(contents.entryCount) \(noun)"
        if let top = contents.topFolder { safetySummary += " under \(top)/" }
        let safety = StepReport(step: .safety, status: .passed, summary: safetySummary, failures: contents.safety)
        let bag = BagValidator.validate(contents)
        let signature = SignatureValidator.validate(contents, key: options.key)
        let (replay, replayed) = replayStep(contents, info: bag.info, options: options, streams: streams)
        var steps = [safety, bag.report, signature, replay]
        let decision = decide(contents, info: bag.info, replayed: replayed, steps: &steps)
        return VerifyReport(
            pack: pack, kind: kind, compression: contents.compression, steps: steps, bagInfo: bag.info, decision: decision)
    }

    /// The production decision the checks give — replayed, else `data/evidence.xml`'s — and a
    /// failure when `bag-info.txt` records another (in the replay step when replayed, else in
    /// the BagIt step: the bag's metadata disagrees with its payload).
    static func decide(_ contents: PackContents, info: [BagInfo.Field], replayed: String?, steps: inout [StepReport]) -> PackDecision? {
        var decision = replayed.map { PackDecision(value: $0, source: .replay) }
        if decision == nil, let xml = contents.bytes(ReplayInput.evidencePath), let record = try? EvidenceXML.read(xml) {
            let value = PackDecision.bagInfoValue(isGo: record.production.decision == "GO", blocking: record.production.blocking)
            decision = PackDecision(value: value, source: .evidenceXML)
        }
        guard let decision else { return nil }
        let step = decision.source == .replay ? 3 : 1
        let from = decision.source == .replay ? "replay gives" : "\(ReplayInput.evidencePath) records"
        let recorded = info.first { $0.label == "Production-Decision" }?.value
        if let recorded, recorded != decision.value {
            steps[step].add(VerifyFailure(steps[step].step, BagIt.infoFile, "Production-Decision is '\(recorded)', but \(from) '\(decision.value)'"))
        } else if recorded == nil, !info.isEmpty {
            steps[step].add(VerifyFailure(steps[step].step, BagIt.infoFile, "no Production-Decision, but \(from) '\(decision.value)'"))
        }
        return decision
    }

    /// The replay step, and the decision the replayed checks give.
    static func replayStep(
        _ contents: PackContents, info: [BagInfo.Field], options: VerifyOptions, streams: [String: any ReplayStream]
    ) -> (StepReport, decision: String?) {
        guard options.replay else {
            return (StepReport(step: .replay, status: .skipped, summary: "skipped on request (--no-replay): the results were not recomputed"), nil)
        }
        var inputs: [String: [UInt8]] = [:]
        var failures: [VerifyFailure] = []
        for (path, file) in contents.files where path.hasPrefix(ReplayInput.inputsFolder + "/") && streams[path] == nil {
            if let bytes = file.bytes {
                inputs[String(path.dropFirst(ReplayInput.inputsFolder.count + 1))] = bytes
            } else {
                failures.append(VerifyFailure(.replay, path, "too large to replay: \(file.size) bytes, beyond the \(options.limits.maxInMemoryBytes) bytes of inputs held in memory"))
            }
        }
        let input = ReplayInput(evidenceXML: contents.bytes(ReplayInput.evidencePath), inputs: inputs, bagInfo: info, streams: streams)
        switch options.replayer.replay(input) {
        case .unavailable(let reason):
            return (StepReport(step: .replay, status: .notChecked, summary: reason, failures: failures), nil)
        case .checked(let summary, let found, let decision):
            failures += found.map { VerifyFailure(.replay, $0.file, $0.reason) }
            return (StepReport(step: .replay, status: .passed, summary: summary, failures: failures), decision)
        }
    }
}
