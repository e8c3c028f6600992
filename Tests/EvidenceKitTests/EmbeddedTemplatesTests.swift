import EvidenceTemplates
import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

extension TemplateSet {
    /// `templates/` of the repository, for tests that read the template sources themselves
    /// (the binary reads the embedded copies, which `embeddedFilesAreTheTemplatesFolder` proves equal).
    static var bundledFolder: URL { TestPaths.root.appendingPathComponent("templates") }
}

/// The templates compiled into the binary are exactly the files under `templates/`.
@Suite struct EmbeddedTemplatesTests {
    /// Every file the build embeds, by path below `templates/`, read from the repository.
    static func sourceFiles() throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for folder in ["html", "labels", "schema"] {
            let base = TemplateSet.bundledFolder.appendingPathComponent(folder)
            for name in try FileManager.default.subpathsOfDirectory(atPath: base.path) where !name.hasPrefix(".") {
                var isFolder: ObjCBool = false
                let url = base.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
                files[folder + "/" + name] = Array(try Data(contentsOf: url))
            }
        }
        return files
    }

    @Test func embeddedFilesAreTheTemplatesFolder() throws {
        let files = try Self.sourceFiles()
        #expect(files.count >= 14)
        #expect(EvidenceTemplates.paths == files.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for (path, bytes) in files {
            #expect(EvidenceTemplates.bytes(path) == bytes, "templates/\(path) differs from its embedded copy")
        }
        for path in ["html/index.mustache", "html/style.css", "labels/labels.uk.json", "schema/evidence-pack.xsd",
                     "schema/snapshot.schema.json", "schema/records.schema.json"] {
            #expect(EvidenceTemplates.paths.contains(path), "\(path) is not embedded")
        }
        #expect(EvidenceTemplates.bytes("html/missing.mustache") == nil)
        #expect(throws: TemplateError.self) { try TemplateSet.bundledBytes("html/missing.mustache") }
    }

    /// The set loads from the embedded copies alone (no file is read), and an override folder
    /// still replaces a file of it.
    @Test func loadsWithoutAnyFileAndTheOverrideStillWins() throws {
        let set = try TemplateSet.load(language: .pl)
        #expect(set.labels == (try TemplateSet.bundledLabels(.pl)))
        #expect(set.schema == EvidenceTemplates.bytes("schema/evidence-pack.xsd"))

        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("labels"), withIntermediateDirectories: true)
        try Data(#"{"status": {"ready": "gotowe!"}}"#.utf8).write(to: folder.appendingPathComponent("labels/labels.pl.json"))
        let overridden = try TemplateSet.load(language: .pl, override: folder)
        #expect(overridden.labels.text("status.ready") == "gotowe!")
        #expect(overridden.labels.labels.count == set.labels.labels.count)
    }
}
