import Synchronization

/// Reports bytes done out of a total; the CLI draws it as a bar on a terminal.
public final class ProgressSink: Sendable {
    private let report: @Sendable (_ done: Int64, _ total: Int64) -> Void
    private let state = Mutex<(done: Int64, total: Int64, shown: Int64)>((0, 0, -1))

    public init(_ report: @escaping @Sendable (_ done: Int64, _ total: Int64) -> Void) {
        self.report = report
    }

    func start(total: Int64) {
        state.withLock { $0 = (0, total, -1) }
        report(0, total)
    }

    /// Adds `bytes`; reports at most every 1/200 of the total.
    func advance(_ bytes: Int64) {
        let show: (Int64, Int64)? = state.withLock { state in
            state.done += bytes
            let step = max(1, state.total / 200)
            guard state.done - state.shown >= step else { return nil }
            state.shown = state.done
            return (state.done, state.total)
        }
        if let show { report(show.0, show.1) }
    }

    /// Sets the bytes done (for a stream whose position is known).
    func set(_ done: Int64) {
        let show: (Int64, Int64)? = state.withLock { state in
            state.done = done
            let step = max(1, state.total / 200)
            guard state.done - state.shown >= step else { return nil }
            state.shown = state.done
            return (state.done, state.total)
        }
        if let show { report(show.0, show.1) }
    }

    func finish() {
        let total = state.withLock { $0.total }
        report(total, total)
    }
}
