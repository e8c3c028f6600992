import Foundation

/// What an ingest did, per file and in all.
public struct IngestReport: Sendable {
    public struct File: Sendable {
        public var name: String
        public var sha256: String
        public var acceptedByKind: [RecordKind: Int]
        public var accepted: Int { acceptedByKind.values.reduce(0, +) }
        public var rejected: Int
        public var duplicates: Int
        /// The same bytes were ingested before: nothing was added.
        public var alreadyIngested: Bool

        public init(name: String, sha256: String, acceptedByKind: [RecordKind: Int], rejected: Int, duplicates: Int, alreadyIngested: Bool) {
            self.name = name
            self.sha256 = sha256
            self.acceptedByKind = acceptedByKind
            self.rejected = rejected
            self.duplicates = duplicates
            self.alreadyIngested = alreadyIngested
        }
    }

    public var files: [File] = []
    public var accepted: [RecordKind: Int] = [:]
    public var rejected = 0
    public var duplicates = 0
    /// The first rejects, in order (all are in the ledger).
    public var rejects: [RecordReject] = []

    public static let shownRejects = 50

    public init() {}

    /// The totals of `files`.
    public mutating func addUpFiles() {
        for file in files {
            rejected += file.rejected
            duplicates += file.duplicates
            accepted.merge(file.acceptedByKind, uniquingKeysWith: +)
        }
    }
}
