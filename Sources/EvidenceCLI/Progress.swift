import EvidenceKit
import Foundation
import Synchronization

/// A one-line progress bar on stderr, drawn only when stderr is a terminal; long work
/// (ingest, build over large inputs, verify) stays quiet otherwise.
final class TerminalProgress: Sendable {
    let label: String
    /// For work in EvidenceKit that reports through a `ProgressSink` (verify).
    let sink: ProgressSink
    private let lastDraw = Mutex<Double>(0)

    private init(label: String) {
        self.label = label
        self.sink = ProgressSink { done, total in TerminalProgress.draw(label: label, done: done, total: total) }
    }

    /// A bar when stderr is a TTY; nil (quiet) otherwise.
    static func ifTerminal(label: String) -> TerminalProgress? {
        isatty(STDERR_FILENO) == 1 ? TerminalProgress(label: label) : nil
    }

    /// Redraws with `done` of `total` bytes, at most ten times a second.
    func update(done: Int, total: Int) {
        let now = Date().timeIntervalSinceReferenceDate
        let due = lastDraw.withLock { last -> Bool in
            guard now - last >= 0.1 || done >= total else { return false }
            last = now
            return true
        }
        if due { Self.draw(label: label, done: Int64(done), total: Int64(total)) }
    }

    private static func draw(label: String, done: Int64, total: Int64) {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let mb = { (bytes: Int64) in String(format: "%.1f", Double(bytes) / 1_048_576) }
        let line = "\r\(label) [\(bar)] \(String(format: "%3d", Int(fraction * 100)))%  \(mb(done))/\(mb(total)) MB"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Removes the bar before the report is printed.
    func clear() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
