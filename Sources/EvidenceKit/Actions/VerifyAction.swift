/// `evpack verify PACK [--key PUB] [--no-replay]`: the offline verification of SPEC §6.
public struct VerifyAction: Sendable {
    /// A pack folder or archive.
    public var packPath: String
    /// The public key (PEM) that must have signed the pack.
    public var keyPath: String?
    /// False for `--no-replay`.
    public var replay: Bool
    /// Runs the checks again; the check engine's replayer once it is wired.
    public var replayer: any PackReplayer
    public var limits: VerifyLimits
    public var progress: ProgressSink?

    public init(
        packPath: String, keyPath: String? = nil, replay: Bool = true, replayer: any PackReplayer = EngineReplayer(),
        limits: VerifyLimits = VerifyLimits(), progress: ProgressSink? = nil
    ) {
        self.packPath = packPath
        self.keyPath = keyPath
        self.replay = replay
        self.replayer = replayer
        self.limits = limits
        self.progress = progress
    }

    /// The report; an unreadable key or a missing pack is an input error (exit 2), a pack that
    /// fails any check is a report that is not `verified` (exit 1).
    public func perform() throws(InputError) -> VerifyReport {
        var key: VerifyingKey?
        if let keyPath {
            do { key = try VerifyingKey.read(keyPath) } catch { throw .badOption([.key], message: "\(error.description)") }
        }
        let options = VerifyOptions(key: key, replay: replay, limits: limits, replayer: replayer, progress: progress)
        do {
            return try PackVerifier.verify(packPath, options: options)
        } catch {
            throw InputError(error)
        }
    }
}
