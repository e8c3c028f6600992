/// The six kinds of audit and telemetry records (SPEC §4).
public enum RecordKind: String, Sendable, CaseIterable, Codable, Comparable {
    case audit, run, usage, control, deploy, approval

    public static func < (a: RecordKind, b: RecordKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A rejected record line: where it was and why, never its content.
public struct RecordReject: Sendable, Equatable, Hashable, Encodable {
    public var file: String
    /// 1-based line number (for CSV the header is line 1).
    public var line: Int
    /// The kind, when it could be told.
    public var kind: RecordKind?
    public var reason: String

    public init(file: String, line: Int, kind: RecordKind? = nil, reason: String) {
        self.file = file
        self.line = line
        self.kind = kind
        self.reason = reason
    }

    /// `file:line: reason`.
    public var message: String { "\(file):\(line): \(reason)" }
}

/// What an ingest did with the lines it read.
public struct IngestCounts: Sendable, Equatable {
    public var accepted: [RecordKind: Int]
    public var rejected: Int
    public var duplicatesSkipped: Int
    /// Usage events older than 90 days before as-of, left out.
    public var expired: Int

    public init(accepted: [RecordKind: Int] = [:], rejected: Int = 0, duplicatesSkipped: Int = 0, expired: Int = 0) {
        self.accepted = accepted
        self.rejected = rejected
        self.duplicatesSkipped = duplicatesSkipped
        self.expired = expired
    }

    public var totalAccepted: Int { accepted.values.reduce(0, +) }
}
