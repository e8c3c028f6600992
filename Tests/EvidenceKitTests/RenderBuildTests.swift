import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// `BuildAction.writePack`: a temporary hidden folder made into a bag and archived, then
/// renamed into place — or nothing at all.
@Suite struct RenderBuildTests {
    static func inputs() throws -> (Evaluation, [UInt8], TemplateSet) {
        let (evaluation, bytes) = try RenderFixtures.evaluation("demo-local.json")
        return (evaluation, bytes, try RenderFixtures.templates())
    }

    static let pack = PackOptions(mtime: 1_795_165_200)

    @Test func writesTheFolderAndTheArchiveAndNothingElse() throws {
        let (evaluation, bytes, templates) = try Self.inputs()
        let parent = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let result = try BuildAction.writePack(evaluation: evaluation, snapshotBytes: bytes, ledger: nil, templates: templates,
                                               into: parent, pack: Self.pack)
        #expect(result.folder.lastPathComponent == "evidence-grant-demo-local-bfg-7b2c7a5b")
        for file in ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", "data/evidence.xml", "data/index.html"] {
            #expect(FileManager.default.fileExists(atPath: result.folder.appendingPathComponent(file).path), "\(file)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).sorted()
            == ["evidence-grant-demo-local-bfg-7b2c7a5b", "evidence-grant-demo-local-bfg-7b2c7a5b.tar.gz"])
    }

    @Test func aFailureKeepsWhatWasThereAndLeavesNoPartialNames() throws {
        let (evaluation, bytes, templates) = try Self.inputs()
        let parent = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let first = try BuildAction.writePack(evaluation: evaluation, snapshotBytes: bytes, ledger: nil, templates: templates,
                                              into: parent, pack: Self.pack)
        try Data("kept".utf8).write(to: first.folder.appendingPathComponent("marker"))
        var broken = templates
        broken.schema = Array("<not-a-schema/>".utf8)
        #expect(throws: BuildError.self) {
            try BuildAction.writePack(evaluation: evaluation, snapshotBytes: bytes, ledger: nil, templates: broken, into: parent, pack: Self.pack)
        }
        #expect(try String(contentsOf: first.folder.appendingPathComponent("marker"), encoding: .utf8) == "kept")
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).allSatisfy { !$0.hasPrefix(".") })

        try BuildAction.writePack(evaluation: evaluation, snapshotBytes: bytes, ledger: nil, templates: templates, into: parent, pack: Self.pack)
        #expect(!FileManager.default.fileExists(atPath: first.folder.appendingPathComponent("marker").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).count == 2)
    }

    @Test func leftoversOfAnInterruptedBuildAreCleared() throws {
        let (evaluation, bytes, templates) = try Self.inputs()
        let parent = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let leftover = parent.appendingPathComponent(".evidence-grant-demo-local-bfg-7b2c7a5b.partial-99999")
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)
        try BuildAction.writePack(evaluation: evaluation, snapshotBytes: bytes, ledger: nil, templates: templates, into: parent, pack: Self.pack)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
    }

    /// XML that does not validate stops the build before anything is renamed into place.
    @Test func invalidEvidenceXMLIsFatal() throws {
        let (evaluation, bytes, bundled) = try Self.inputs()
        var templates = bundled
        let strict = String(decoding: templates.schema, as: UTF8.self)
            .replacingOccurrences(of: "<xs:attribute name=\"owner\" type=\"xs:string\"/>",
                                  with: "<xs:attribute name=\"owner\" type=\"xs:string\"/><xs:attribute name=\"signed\" type=\"xs:string\" use=\"required\"/>")
        templates.schema = Array(strict.utf8)
        let parent = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        do {
            try BuildAction.writePack(evaluation: evaluation, snapshotBytes: bytes, ledger: nil, templates: templates, into: parent, pack: Self.pack)
            Issue.record("the build should have failed")
        } catch BuildError.invalidEvidenceXML(let failure) {
            #expect(failure.messages.contains { $0.contains("signed") })
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty)
    }
}
