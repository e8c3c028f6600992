import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The demo pack's pages, XML, JUnit and packets, pinned byte for byte.
@Suite struct RenderGoldenTests {
    /// Every file of the demo pack's `data/` (the schema is checked against the bundled copy).
    @Test func demoPackIsPinned() throws {
        let data = try RenderFixtures.data("demo-local.json")
        defer { try? FileManager.default.removeItem(at: data.deletingLastPathComponent()) }
        let files = try RenderFixtures.files(data)
        #expect(files.map(\.path) == [
            "board.html", "connection.html", "cutover.html", "dry_run.html", "evidence.xml", "index.html", "infrastructure.html",
            "inputs/options.json", "inputs/records.jsonl", "inputs/rejects.jsonl", "inputs/snapshot.json", "integration.html",
            "junit.xml", "operations.html", "packets/cutover.txt", "packets/preflight.txt", "packets/release.env", "packets/rollback.env",
            "packets/runbook.sql", "preflight.html", "rehearsals.html", "release.html", "rollback.html", "runbook.html",
            "schema/evidence-pack.xsd", "wiring.html",
        ])
        for file in files {
            if file.path == "schema/evidence-pack.xsd" {
                #expect(file.bytes == (try TemplateSet.bundledSchema()))
            } else if file.path == "inputs/snapshot.json" {
                #expect(file.bytes == Array(try Data(contentsOf: URL(fileURLWithPath: TestPaths.snapshot("demo-local.json")))))
            } else {
                Golden.check(file.bytes, "demo-pack/data/\(file.path)")
            }
        }
    }

    /// The overview in Polish and Ukrainian.
    @Test(arguments: [Language.pl, .uk])
    func demoIndexInOtherLanguages(_ language: Language) throws {
        let (evaluation, _) = try RenderFixtures.evaluation("demo-local.json")
        let page = HTMLRenderer(templates: try RenderFixtures.templates(language)).index(evaluation)
        #expect(page.text.contains("<html lang=\"\(language.rawValue)\">"))
        Golden.check(page.text, "demo-pack-\(language.rawValue)/index.html")
    }

    /// The operations page and section, from a summary made by hand.
    @Test func operationsArePinned() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("ready.json")
        let withOps = RenderFixtures.withOperations(evaluation, SampleOperations.small)
        let renderer = HTMLRenderer(templates: try RenderFixtures.templates())
        let pages = renderer.pages(withOps)
        let operations = try #require(pages.first { $0.fileName == "operations.html" })
        Golden.check(operations.text, "operations/operations.html")
        Golden.check(renderer.index(withOps).text, "operations/index.html")
        let xml = EvidenceXML.document(evaluation: withOps, inputs: RenderXMLTests.digests())
        try SchemaValidator.validate(Array(xml.utf8), schema: try TemplateSet.bundledSchema())
        Golden.check(xml, "operations/evidence.xml")
        Golden.check(JUnitReport.document(withOps), "operations/junit.xml")
    }
}
