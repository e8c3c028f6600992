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

    /// A pack that exists but is unsafe, not a valid bag or without readable results: it failed
    /// verification (exit 1, as `verify` and `summary` do).
    public struct Refused: Error, Sendable, CustomStringConvertible {
        public var role: String
        public var failure: ComparablePack.Failure
        public var description: String { "\(role) \(failure.pack): \(failure.summary)" }
    }

    /// The diff; a pack that cannot be opened is an input error naming it (exit 2), one that
    /// fails verify's safety or BagIt steps is `Refused` (exit 1).
    public func perform() throws -> PackDiff {
        let before = try Self.read(old, role: "old pack", limits: limits)
        let after = try Self.read(new, role: "new pack", limits: limits)
        return PackDiff(old: before, new: after)
    }

    static func read(_ path: String, role: String, limits: VerifyLimits) throws -> ComparablePack {
        do {
            return try ComparablePack.read(path, limits: limits)
        } catch where error.unreadable {
            throw InputError.invalidOption(name: path, message: "\(role): \(error.summary)")
        } catch {
            throw Refused(role: role, failure: error)
        }
    }
}
