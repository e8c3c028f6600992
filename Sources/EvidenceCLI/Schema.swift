import ArgumentParser
import EvidenceKit
import Foundation

/// `evpack schema`: print the input schemas and the XML schema.
struct Schema: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the schema of snapshots, of records or of evidence.xml.",
        discussion: """
            snapshot: a JSON Schema (2020-12) of BFGScenarioSnapshot.v1. records: a JSON Schema of \
            one record line. xml: the XML Schema of data/evidence.xml (the copy every pack holds \
            in data/schema/). The JSON Schemas describe shapes; rules across fields (owners name \
            actors, unique ids, usage metadata allow-lists) are checked by evpack itself.
            """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case snapshot, records, xml

        var file: String {
            switch self {
            case .snapshot: return "snapshot.schema.json"
            case .records: return "records.schema.json"
            case .xml: return "evidence-pack.xsd"
            }
        }
    }

    @Argument(help: ArgumentHelp("snapshot, records or xml.", valueName: "kind"))
    var kind: Kind

    func run() async throws {
        FileHandle.standardOutput.write(Data(try TemplateSet.bundledBytes("schema/" + kind.file)))
    }
}
