import Foundation

/// Why an ingest stopped.
public enum IngestError: Error, CustomStringConvertible, Sendable {
    case input(InputError)
    /// `--strict` and a line was rejected.
    case strict(RecordReject)
    /// A file's structure is unusable (a CSV header).
    case badFile(file: String, line: Int, message: String)
    case ledger(String)
    /// Another process held the ledger's lock for longer than the busy timeout.
    case busy(path: String, seconds: Double, writing: Bool)

    public var description: String {
        switch self {
        case .input(let error): return error.description
        case .strict(let reject): return "\(reject.message) (--strict: the first rejected line is fatal; nothing was added)"
        case .badFile(let file, let line, let message): return "\(file):\(line): \(message); nothing was added"
        case .ledger(let message): return "ledger: \(message)"
        case .busy(let path, let seconds, let writing):
            let waited = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
            return "\(path): the ledger is busy: another process held its lock for more than \(waited) s (--busy-timeout); "
                + (writing ? "nothing was added. " : "nothing was read. ")
                + "Try again when it is done, or wait longer with --busy-timeout SECONDS"
        }
    }
}
