import ArgumentParser
import EvidenceKit

/// `evpack check`: evaluate and print the summary; writes nothing.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a snapshot and print the summary; writes nothing.",
        discussion: """
            Prints one line per check family (id, ready/total, decision), an operations section \
            from the records, and the production decision. --format json prints one \
            JSON object with every check's status and detail, the record counts, the operations \
            summary and every packet with its checksum.
            """
    )

    @Argument(help: ArgumentHelp("The BFGScenarioSnapshot.v1 JSON file.", valueName: "snapshot"))
    var snapshot: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup var evaluation: EvaluationOptions

    func run() async throws {
        let bar = TerminalProgress.ifTerminal(label: "records")
        let action = CheckAction(snapshotPath: snapshot, inputs: evaluation.inputs)
        let prepared = try await OffPool.run(when: evaluation.usesRemoteLedger) {
            try action.perform { done, total in bar?.update(done: done, total: total) }
        }
        bar?.clear()
        let result = prepared.evaluation
        switch format {
        case .text: print(CheckReport.text(result), terminator: "")
        case .json: print(JSONWriter.pretty(CheckReport.json(result)), terminator: "")
        }
        try evaluation.enforce(result.production)
    }
}
