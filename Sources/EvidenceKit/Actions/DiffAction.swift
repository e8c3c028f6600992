/// `evpack diff OLD NEW`: what changed between two packs (SPEC §10).
public struct DiffAction: Sendable {
    /// The old and new packs: folders or archives.
    public var old: String
    public var new: String
    public var limits: VerifyLimits

    public init(old: String, new: String, limits: VerifyLimits = VerifyLimits()) {
        self.old = old
        self.new = new
        self.limits = limits
    }

    /// The diff; a pack that is unsafe, not a valid bag or without readable results is an input
    /// error naming that pack (exit 2).
    public func perform() throws(InputError) -> PackDiff {
        let before = try Self.read(old, role: "old pack", limits: limits)
        let after = try Self.read(new, role: "new pack", limits: limits)
        return PackDiff(old: before, new: after)
    }

    static func read(_ path: String, role: String, limits: VerifyLimits) throws(InputError) -> ComparablePack {
        do {
            return try ComparablePack.read(path, limits: limits)
        } catch {
            throw .invalidOption(name: path, message: "\(role): \(error.summary)")
        }
    }
}
