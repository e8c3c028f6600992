/// Why a pack, a key or an archive could not be written or read: the file and the reason.
public struct PackError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file the problem is about.
    public var path: String
    /// What went wrong, in words a person can act on.
    public var reason: String

    public init(_ path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
