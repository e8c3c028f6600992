import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Something went wrong while writing a pack: nothing is renamed into place, and the
/// temporary folder is removed.
public enum BuildError: Error, Sendable, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    /// The evidence.xml the build made does not validate against its schema (a bug, never
    /// an input problem): the pack is not written.
    case invalidEvidenceXML(SchemaValidator.Failure)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): return "\(path): cannot write: \(reason)"
        case .invalidEvidenceXML(let failure): return "the pack was not written: \(failure.description)"
        }
    }
}

/// `evpack build`: evaluate a snapshot (and its records) and write the pack: the folder
/// `OUT/evidence-<session>-<bfg-short>/` (a BagIt bag around `data/`, SPEC §5) and its archive.
public struct BuildAction: Sendable {
    public var snapshotPath: String
    /// The folder the pack is written into (`output` by default); made when missing.
    public var outputFolder: String
    /// As-of, window, thresholds, policy and the records.
    public var inputs: EvaluationInputs
    public var language: Language
    /// A folder whose `html/` and `labels/` files replace the bundled ones.
    public var templatesFolder: String?
    /// Replace a pack of the same name that is already there.
    public var force: Bool
    /// `gzip`, `zstd` or `none`.
    public var compression: String
    /// An Ed25519 private key (PEM, from `evpack keygen`) that signs the payload.
    public var signKeyPath: String?
    /// `SOURCE_DATE_EPOCH` and the like: read from here, never from the process directly.
    public var environment: [String: String]

    public init(snapshotPath: String, outputFolder: String = "output", inputs: EvaluationInputs = EvaluationInputs(),
                language: Language = .en, templatesFolder: String? = nil, force: Bool = false, compression: String = "gzip",
                signKeyPath: String? = nil, environment: [String: String] = [:]) {
        self.snapshotPath = snapshotPath
        self.outputFolder = outputFolder
        self.inputs = inputs
        self.language = language
        self.templatesFolder = templatesFolder
        self.force = force
        self.compression = compression
        self.signKeyPath = signKeyPath
        self.environment = environment
    }

    /// What a build wrote.
    public struct Result: Sendable {
        public var evaluation: Evaluation
        /// `evidence-<session>-<bfg-short>`.
        public var name: String
        /// The pack folder, `outputFolder/name`.
        public var folder: URL
        /// The archive beside it.
        public var archive: URL
        /// What ingesting `--records` did, when there were records.
        public var ingest: IngestReport?
        /// The records as the checks and the pack count them (expired usage events apart), when
        /// `--records` were ingested.
        public var records: IngestCounts?

        /// The SHA-256 (hex) of the archive, read back from the file.
        public func archiveSHA256() throws(PackError) -> String {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: FileHasher.blockSize, alignment: 64)
            defer { buffer.deallocate() }
            return try FileHasher.digest(archive.path, buffer: buffer).sha256
        }

        /// What `build --format json` prints (SPEC §1), keys in this order: `name`, `folder`,
        /// `archive` (both as `outputFolder/…`, so a relative `--out` stays relative),
        /// `archive_sha256`, `payload_checksum`, `payload_checksum_short`, `production`
        /// (`decision`, `blocking`) and `records` (accepted per kind, rejected, duplicates
        /// skipped, expired — the object `check --format json` has).
        public func json(outputFolder: String) throws(PackError) -> JSONValue {
            let prefix = outputFolder.hasSuffix("/") ? outputFolder : outputFolder + "/"
            let snapshot = evaluation.snapshot
            return .object(JSONObject([
                "name": .string(name),
                "folder": .string(prefix + name),
                "archive": .string(prefix + archive.lastPathComponent),
                "archive_sha256": .string(try archiveSHA256()),
                "payload_checksum": .string(snapshot.payloadChecksum),
                "payload_checksum_short": .string(snapshot.payloadChecksumShort),
                "production": .object(JSONObject([
                    "decision": .string(evaluation.production.decision),
                    "blocking": evaluation.production.blocking.map(JSONValue.string) ?? .null,
                ])),
                "records": CheckReport.records(evaluation.operations?.counts ?? IngestCounts()),
            ]))
        }
    }

    /// Reads and checks every input first (exit 2 on a problem, nothing written), then writes
    /// the pack through temporary names.
    public func perform(progress: (@Sendable (String, Int, Int) -> Void)? = nil) throws -> Result {
        let templates: TemplateSet
        do {
            templates = try TemplateSet.load(language: language, override: templatesFolder.map { URL(fileURLWithPath: $0) })
        } catch {
            throw InputError.badOption([.templates], message: "\(error.description)")
        }
        let setup = try PackSetup(compression: compression, signKeyPath: signKeyPath, environment: environment)
        let prepared = try EvaluationPipeline.run(snapshotPath: snapshotPath, inputs: inputs) { done, total in
            progress?("records", done, total)
        }
        let evaluation = prepared.evaluation
        let pack = setup.options(asOf: evaluation.asOf)
        let parent = URL(fileURLWithPath: outputFolder)
        let name = Self.packName(evaluation.snapshot)
        // The pack is its folder and its archive, whatever the compression.
        let archives = Compression.allCases.map { name + $0.fileExtension }
        if !force {
            for existing in [name] + archives
            where FileManager.default.fileExists(atPath: parent.appendingPathComponent(existing).path) {
                throw InputError.badOption(
                    [.out], message: "\(outputFolder)/\(existing) already exists; remove it or pass \(ActionOption.force) to replace it")
            }
        }
        let result = try Self.writePack(
            evaluation: evaluation, snapshotBytes: prepared.snapshotBytes, ledger: prepared.ledger, templates: templates,
            into: parent, pack: pack
        ) { done, total in progress?("pack", done, total) }
        // --force: an archive of the replaced pack in another compression goes too.
        for other in archives where other != result.archive.lastPathComponent {
            let path = parent.appendingPathComponent(other).path
            if unlink(path) != 0, errno != ENOENT {
                throw BuildError.cannotWrite(path: path, reason: "cannot remove the earlier archive of this pack: \(errnoText())")
            }
        }
        return Result(
            evaluation: evaluation, name: name, folder: result.folder, archive: result.archive, ingest: prepared.ingest,
            records: prepared.ingest == nil ? nil : evaluation.operations?.counts)
    }

    // MARK: - the pack, as a library

    /// The pack's folder name: `evidence-<session>-<bfg-short-checksum>`.
    public static func packName(_ snapshot: Snapshot) -> String {
        "evidence-\(snapshot.session)-\(snapshot.payloadChecksumShort)"
    }

    /// Writes the pack for `evaluation` into `parent`: `data/` into a temporary hidden folder
    /// (`.evidence-….partial-<pid>`, a name that does not look like a pack), then the bag
    /// files, the signature and the archive (`PackWriter.finish`), and only then the folder is
    /// renamed into place, replacing an earlier pack of that name. On any error the temporary
    /// folder is removed and nothing existing is touched.
    @discardableResult
    public static func writePack(
        evaluation: Evaluation, snapshotBytes: [UInt8], ledger: (any RecordLedger)?, templates: TemplateSet, into parent: URL,
        pack: PackOptions, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> PackResult {
        let name = packName(evaluation.snapshot)
        let partial = parent.appendingPathComponent(".\(name).partial-\(getpid())")
        let fm = FileManager.default
        try PackFiles.makeFolders(parent.path)
        removeLeftovers(of: name, in: parent)
        try PackFiles.makeFolders(partial.path)
        TemporaryFiles.register(partial.path, folder: true)
        var finished = false
        defer {
            if !finished { try? fm.removeItem(at: partial) }
            TemporaryFiles.unregister(partial.path)
        }

        try writeData(evaluation: evaluation, snapshotBytes: snapshotBytes, ledger: ledger, templates: templates,
                      into: partial.appendingPathComponent("data"))
        let production = evaluation.production
        let info = BagInfo(
            asOf: evaluation.asOf, payloadChecksum: evaluation.snapshot.payloadChecksum,
            productionDecision: PackDecision.bagInfoValue(isGo: production.isGo, blocking: production.blocking))
        // The payload is read twice: hashed for the manifests, then archived.
        let total = 2 * FileTree.totalSize(partial.appendingPathComponent("data").path)
        let done = Mutex(0)
        let advance: (@Sendable (Int) -> Void)? = progress.map { report in
            { @Sendable bytes in report(done.withLock { $0 += bytes; return $0 }, total) }
        }
        let result: PackResult
        do {
            result = try PackWriter.finish(folder: partial, name: name, info: info, options: pack, progress: advance)
        } catch {
            throw PackFiles.buildError(error)
        }
        finished = true
        return result
    }

    /// Removes what an interrupted build of this pack left behind (hidden `.…partial…` names).
    static func removeLeftovers(of name: String, in parent: URL) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for entry in entries where entry.hasPrefix(".\(name).") && entry.contains(".partial") {
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(entry))
        }
    }

    /// Writes `data/` of a pack (SPEC §5) into `data`, which is created: the inputs and
    /// packets first, then evidence.xml (validated against the schema before it is written),
    /// its schema, junit.xml and the HTML pages.
    public static func writeData(evaluation: Evaluation, snapshotBytes: [UInt8], ledger: (any RecordLedger)? = nil, templates: TemplateSet, into data: URL) throws {
        let files = PackFiles(root: data)
        try files.folder("")

        // data/inputs/, each file hashed from the bytes written (never read back)
        try files.folder("inputs")
        let snapshot = storedSnapshot(snapshotBytes, evaluation.snapshot)
        try files.write("inputs/snapshot.json", snapshot)
        let records = try writeRecordInputs(ledger: ledger, asOf: evaluation.asOf, into: data.appendingPathComponent("inputs"))
        let options = Array(JSONWriter.pretty(evaluation.options.json).utf8)
        try files.write("inputs/options.json", options)
        let digests = [PackFileDigest(path: "inputs/snapshot.json", sha256: Checksum.sha256Hex(snapshot), bytes: snapshot.count)]
            + records
            + [PackFileDigest(path: "inputs/options.json", sha256: Checksum.sha256Hex(options), bytes: options.count)]

        // data/packets/
        try files.folder("packets")
        for packet in evaluation.packets {
            try files.write("packets/\(packet.fileName)", Array(packet.text.utf8))
        }

        // data/evidence.xml and data/schema/
        let xml = Array(EvidenceXML.document(evaluation: evaluation, inputs: digests).utf8)
        do {
            try SchemaValidator.validate(xml, schema: templates.schema, file: "evidence.xml")
        } catch {
            throw BuildError.invalidEvidenceXML(error)
        }
        try files.write("evidence.xml", xml)
        try files.folder("schema")
        try files.write("schema/evidence-pack.xsd", templates.schema)

        // data/junit.xml and the pages.
        try files.write("junit.xml", Array(JUnitReport.document(evaluation).utf8))
        for page in HTMLRenderer(templates: templates).pages(evaluation) {
            try files.write(page.fileName, Array(page.text.utf8))
        }
    }

    /// Writes `records.jsonl` (the sanitized records the checks used, in ingest order) and
    /// `rejects.jsonl` (file, line, kind and reason of each rejected line, never its content)
    /// into `inputs`, streamed out of the ledger; both are empty without records. Returns their
    /// digests (paths `inputs/…`), hashed as they were written.
    static func writeRecordInputs(ledger: (any RecordLedger)?, asOf: Instant, into inputs: URL) throws -> [PackFileDigest] {
        let names = ["records.jsonl", "rejects.jsonl"]
        guard let ledger else {
            let files = PackFiles(root: inputs)
            for name in names { try files.write(name, []) }
            let empty = Checksum.sha256Hex([UInt8]())
            return names.map { PackFileDigest(path: "inputs/\($0)", sha256: empty, bytes: 0) }
        }
        let written: [(sha256: String, bytes: Int)]
        do {
            written = [
                try ledger.exportRecords(to: inputs.appendingPathComponent(names[0]).path, asOf: asOf),
                try ledger.exportRejects(to: inputs.appendingPathComponent(names[1]).path),
            ]
        } catch let error as PackError {
            throw PackFiles.buildError(error)
        } catch {
            throw BuildError.cannotWrite(path: inputs.path, reason: "\(error)")
        }
        return zip(names, written).map { PackFileDigest(path: "inputs/\($0)", sha256: $1.sha256, bytes: $1.bytes) }
    }

    /// `data/inputs/snapshot.json`: the snapshot bytes as given, unless sanitizing changed
    /// something outside the payload (SPEC §4): then the sanitized document, re-serialized
    /// (the payload checksum covers only the payload, so it still holds).
    public static func storedSnapshot(_ bytes: [UInt8], _ snapshot: Snapshot) -> [UInt8] {
        guard let document = snapshot.sanitizedDocument else { return bytes }
        return Array(JSONWriter.pretty(.object(document)).utf8)
    }
}

/// Writes the files of a pack under one root folder, with errors that name the file.
struct PackFiles {
    var root: URL

    func url(_ relative: String) -> URL { relative.isEmpty ? root : root.appendingPathComponent(relative) }

    func folder(_ relative: String) throws {
        try Self.makeFolders(url(relative).path)
    }

    /// Writes `bytes` to a new file (mode 0644), with an error that names the file and the reason.
    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let path = url(relative).path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw BuildError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        do {
            try bytes.withUnsafeBytes { buffer in try FileWriter.writeAll(fd, buffer, path: path) }
        } catch let error as PackError {
            close(fd)
            throw Self.buildError(error)
        }
        guard close(fd) == 0 else { throw BuildError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }

    /// A write error as a build error about the same file; `BuildError` says "cannot write" itself.
    static func buildError(_ error: PackError) -> BuildError {
        let prefix = "cannot write: "
        let reason = error.reason.hasPrefix(prefix) ? String(error.reason.dropFirst(prefix.count)) : error.reason
        return .cannotWrite(path: error.path, reason: reason)
    }

    /// `mkdir -p`, with an error that names the folder and the reason.
    static func makeFolders(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) == 0 || errno == EEXIST {
                var info = stat()
                guard stat(current, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw BuildError.cannotWrite(path: current, reason: "not a folder")
                }
                continue
            }
            throw BuildError.cannotWrite(path: current, reason: String(cString: strerror(errno)))
        }
    }
}
