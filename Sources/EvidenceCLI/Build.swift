import ArgumentParser
import EvidenceKit

/// `evpack build`: evaluate a snapshot and write the pack folder.
struct Build: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a snapshot and write an evidence pack folder.",
        discussion: """
            Writes OUT/evidence-<session>-<bfg-short>/data/ with the HTML pages (index.html and \
            one page per family), evidence.xml (validated against data/schema/evidence-pack.xsd \
            before anything is renamed into place), junit.xml, the packets and the inputs. The \
            folder is built under a temporary name and renamed when complete. Prints where it \
            wrote and the production decision.
            """
    )

    @Argument(help: ArgumentHelp("The BFGScenarioSnapshot.v1 JSON file.", valueName: "snapshot"))
    var snapshot: String

    @Option(name: .customLong("out"), help: ArgumentHelp("The folder the pack is written into; made when missing.", valueName: "dir"))
    var out: String = "output"

    @Flag(name: .customLong("force"), help: "Replace a pack of the same name that is already in the output folder.")
    var force = false

    @OptionGroup var evaluation: EvaluationOptions
    @OptionGroup var render: RenderOptions

    func run() async throws {
        let action = BuildAction(
            snapshotPath: snapshot, outputFolder: out, asOf: evaluation.asOfInstant, language: render.language,
            templatesFolder: render.templates, force: force)
        let result = try action.perform()
        let shown = out.hasSuffix("/") ? out + result.name : out + "/" + result.name
        print("wrote \(shown)")
        print(result.evaluation.production.summary)
        try evaluation.enforce(result.evaluation.production)
    }
}
