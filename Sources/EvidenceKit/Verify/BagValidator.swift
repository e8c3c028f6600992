/// BagIt 1.0 validity of what a reader found: every payload file listed and matching, nothing
/// listed missing, nothing extra, Payload-Oxum, and the tag manifest over the tag files.
enum BagValidator {
    struct Outcome {
        var report: StepReport
        var info: [BagInfo.Field]
        /// The SHA-256 the manifests record for each safe path they name, as written (a path
        /// listed twice: its last line; in both manifests: manifest-sha256.txt's), whether or not
        /// the line passed BagIt's checks: what the preview serves files against.
        var recorded: [String: String]
    }

    static func validate(_ contents: PackContents) -> Outcome {
        var failures: [VerifyFailure] = []
        func fail(_ file: String, _ reason: String) { failures.append(VerifyFailure(.bagit, file, reason)) }
        func sorted<S: Sequence>(_ paths: S) -> [String] where S.Element == String {
            paths.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
        let files = contents.files
        let incomplete = contents.complete ? "" : " (the archive was not read to the end)"

        // bagit.txt
        if let bytes = tagBytes(BagIt.declarationFile, contents, fail: fail) {
            let (tags, problems) = BagIt.parseTags(bytes)
            for problem in problems { fail(lineName(BagIt.declarationFile, problem.line), problem.reason) }
            let version = tags.first { $0.label == "BagIt-Version" }?.value
            let encoding = tags.first { $0.label == "Tag-File-Character-Encoding" }?.value
            if version != "1.0" { fail(BagIt.declarationFile, "BagIt-Version is \(version.map { "'\($0)'" } ?? "missing"); expected 1.0") }
            if encoding?.uppercased() != "UTF-8" {
                fail(BagIt.declarationFile, "Tag-File-Character-Encoding is \(encoding.map { "'\($0)'" } ?? "missing"); expected UTF-8")
            }
        }

        if !contents.directories.contains(BagIt.payloadFolder) && !files.keys.contains(where: { $0.hasPrefix("data/") }) {
            fail(BagIt.payloadFolder + "/", "missing: a bag holds its payload in data/")
        }
        let payload = files.filter { $0.key.hasPrefix(BagIt.payloadFolder + "/") }

        // manifest-sha256.txt: every payload file listed and matching, nothing listed missing.
        var recordedPayload: [String: String] = [:]
        if let bytes = tagBytes(BagIt.manifestFile, contents, fail: fail) {
            let (listed, recorded) = checkManifest(
                BagIt.manifestFile, bytes, files: files, incomplete: incomplete, fail: fail,
                lists: { $0.hasPrefix(BagIt.payloadFolder + "/") }, otherwise: "not a file inside data/")
            for path in sorted(payload.keys) where !listed.contains(path) {
                fail(path, "not listed in \(BagIt.manifestFile): a file was added to the payload")
            }
            recordedPayload = recorded
        }

        // bag-info.txt: Payload-Oxum.
        var info: [BagInfo.Field] = []
        let bytes = payload.values.reduce(Int64(0)) { $0 + $1.size }
        let actualOxum = BagIt.payloadOxum(bytes: bytes, files: payload.count)
        if let infoBytes = tagBytes(BagIt.infoFile, contents, fail: fail) {
            let (tags, problems) = BagIt.parseTags(infoBytes)
            for problem in problems { fail(lineName(BagIt.infoFile, problem.line), problem.reason) }
            info = tags.map { BagInfo.Field($0.label, $0.value) }
            if let oxum = tags.first(where: { $0.label == "Payload-Oxum" })?.value {
                if oxum != actualOxum {
                    fail(BagIt.infoFile, "Payload-Oxum is \(oxum), but the payload holds \(bytes) bytes in \(payload.count) files (\(actualOxum))")
                }
            } else {
                fail(BagIt.infoFile, "no Payload-Oxum")
            }
        }

        // tagmanifest-sha256.txt: the tag files, each matching; nothing unlisted beside them.
        var listedTags: Set<String> = []
        var recorded: [String: String] = [:]
        if let tagManifest = tagBytes(BagIt.tagManifestFile, contents, fail: fail) {
            (listedTags, recorded) = checkManifest(
                BagIt.tagManifestFile, tagManifest, files: files, incomplete: incomplete, fail: fail,
                lists: { !$0.hasPrefix(BagIt.payloadFolder + "/") && $0 != BagIt.tagManifestFile }, otherwise: "not a tag file")
            for required in [BagIt.declarationFile, BagIt.infoFile, BagIt.manifestFile] where !listedTags.contains(required) {
                fail(BagIt.tagManifestFile, "does not list \(required)")
            }
        }

        // Nothing outside data/ but the tag files the bag declares.
        for path in sorted(files.keys) where !path.hasPrefix(BagIt.payloadFolder + "/") {
            if !BagIt.tagFiles.contains(path) && !listedTags.contains(path) {
                fail(path, "unexpected file outside data/: not a tag file of the bag and not in \(BagIt.tagManifestFile)")
            }
        }
        for folder in sorted(contents.directories) where folder != BagIt.payloadFolder && !folder.hasPrefix(BagIt.payloadFolder + "/") {
            if !listedTags.contains(where: { $0.hasPrefix(folder + "/") }) {
                fail(folder + "/", "unexpected folder outside data/")
            }
        }

        let summary = "\(payload.count) payload file\(payload.count == 1 ? "" : "s"), \(bytes) bytes (Payload-Oxum \(actualOxum)); tag manifest lists \(listedTags.count)"
        recorded.merge(recordedPayload) { _, payload in payload }
        return Outcome(
            report: StepReport(step: .bagit, status: .passed, summary: summary, failures: failures), info: info, recorded: recorded)
    }

    /// Reads the manifest `name`: every entry a safe path that `lists` accepts (else "lists P,
    /// which is \(otherwise)"), listed once, present in `files` and with the SHA-256 it gives.
    /// Returns the paths it lists, and the SHA-256 it records for each safe path it names (the
    /// last line's for a path named twice), checked or not.
    private static func checkManifest(
        _ name: String, _ bytes: [UInt8], files: [String: FileDigest], incomplete: String, fail: (String, String) -> Void,
        lists: (String) -> Bool, otherwise: String
    ) -> (listed: Set<String>, recorded: [String: String]) {
        let (entries, problems) = BagIt.parseManifest(bytes)
        for problem in problems { fail(lineName(name, problem.line), problem.reason) }
        var listed: Set<String> = []
        var recorded: [String: String] = [:]
        for entry in entries {
            let safe = PathSafety.nameProblem(entry.path) == nil
            if safe { recorded[entry.path] = entry.sha256 }
            guard lists(entry.path), safe else {
                fail(name, "lists \(entry.path), which is \(otherwise)")
                continue
            }
            guard listed.insert(entry.path).inserted else {
                fail(name, "lists \(entry.path) twice")
                continue
            }
            guard let file = files[entry.path] else {
                fail(entry.path, "listed in \(name) but missing from the pack\(incomplete)")
                continue
            }
            if file.sha256 != entry.sha256 {
                fail(entry.path, "content changed: sha256 is \(file.sha256), \(name) says \(entry.sha256)")
            }
        }
        return (listed, recorded)
    }

    /// The bytes of a required tag file, or a failure saying why there are none.
    private static func tagBytes(_ name: String, _ contents: PackContents, fail: (String, String) -> Void) -> [UInt8]? {
        guard let file = contents.files[name] else {
            fail(name, "missing" + (contents.complete ? "" : " (the archive was not read to the end)"))
            return nil
        }
        guard let bytes = file.bytes else {
            fail(name, "too large to be a tag file (\(file.size) bytes)")
            return nil
        }
        return bytes
    }

    private static func lineName(_ file: String, _ line: Int) -> String {
        line > 0 ? "\(file):\(line)" : file
    }
}
