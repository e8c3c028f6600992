import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// `BuildAction.writePackFolder`: a temporary folder renamed into place, or nothing at all.
@Suite struct RenderBuildTests {
    struct Stop: Error {}

    static func inputs() throws -> (Evaluation, [UInt8], TemplateSet) {
        let (evaluation, bytes) = try RenderFixtures.evaluation("demo-local.json")
        return (evaluation, bytes, try RenderFixtures.templates())
    }

    @Test func writesThroughATemporaryFolderAndHandsItToFinish() throws {
        let (evaluation, bytes, templates) = try Self.inputs()
        let parent = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        var seen: URL?
        let folder = try BuildAction.writePackFolder(evaluation: evaluation, snapshotBytes: bytes, templates: templates, into: parent) { partial in
            seen = partial
            #expect(partial.lastPathComponent.hasPrefix(".evidence-grant-demo-local-bfg-7b2c7a5b.partial-"))
            #expect(FileManager.default.fileExists(atPath: partial.appendingPathComponent("data/evidence.xml").path))
            try Data("BagIt-Version: 1.0\n".utf8).write(to: partial.appendingPathComponent("bagit.txt"))
        }
        #expect(seen != nil)
        #expect(folder.lastPathComponent == "evidence-grant-demo-local-bfg-7b2c7a5b")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("bagit.txt").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == [folder.lastPathComponent])
    }

    @Test func aFailureLeavesNothingAndKeepsWhatWasThere() throws {
        let (evaluation, bytes, templates) = try Self.inputs()
        let parent = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        #expect(throws: Stop.self) {
            try BuildAction.writePackFolder(evaluation: evaluation, snapshotBytes: bytes, templates: templates, into: parent) { _ in throw Stop() }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty)

        let first = try BuildAction.writePackFolder(evaluation: evaluation, snapshotBytes: bytes, templates: templates, into: parent)
        try Data("kept".utf8).write(to: first.appendingPathComponent("marker"))
        #expect(throws: BuildError.self) {
            try BuildAction.writePackFolder(evaluation: evaluation, snapshotBytes: bytes, templates: templates, into: parent)
        }
        #expect(throws: Stop.self) {
            try BuildAction.writePackFolder(evaluation: evaluation, snapshotBytes: bytes, templates: templates, into: parent, replacing: true) { _ in
                throw Stop()
            }
        }
        #expect(try String(contentsOf: first.appendingPathComponent("marker"), encoding: .utf8) == "kept")
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == [first.lastPathComponent])

        try BuildAction.writePackFolder(evaluation: evaluation, snapshotBytes: bytes, templates: templates, into: parent, replacing: true)
        #expect(!FileManager.default.fileExists(atPath: first.appendingPathComponent("marker").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == [first.lastPathComponent])
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
            try BuildAction.writePackFolder(evaluation: evaluation, snapshotBytes: bytes, templates: templates, into: parent)
            Issue.record("the build should have failed")
        } catch BuildError.invalidEvidenceXML(let failure) {
            #expect(failure.messages.contains { $0.contains("signed") })
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty)
    }
}
