import Foundation
import PackagePlugin

/// Compiles `templates/html`, `templates/labels` and `templates/schema` into the
/// `EvidenceTemplates` target as one generated Swift source, so `evpack` is one self-contained
/// binary (no resource bundle to lose when it is copied or installed).
///
/// It runs on every build that finds a file under those folders changed, added or removed:
/// editing a template needs no extra step.
@main
struct EmbedTemplates: BuildToolPlugin {
    /// The folders of the target that are embedded.
    static let folders = ["html", "labels", "schema"]

    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let root = target.directoryURL
        var files: [String] = []
        for folder in Self.folders {
            let base = root.appendingPathComponent(folder)
            guard let names = FileManager.default.subpaths(atPath: base.path) else {
                throw EmbedError("\(base.path): the folder is missing")
            }
            for name in names where !name.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                var isFolder: ObjCBool = false
                let url = base.appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue {
                    files.append(folder + "/" + name)
                }
            }
        }
        files.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedTemplates.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) files of \(target.name) into the binary",
                executable: try context.tool(named: "EmbedTemplatesTool").url,
                arguments: [output.path, root.path] + files,
                inputFiles: files.map { root.appendingPathComponent($0) },
                outputFiles: [output]
            )
        ]
    }
}

struct EmbedError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
