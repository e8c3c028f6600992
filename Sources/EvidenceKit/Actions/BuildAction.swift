import Foundation

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

        /// The Markdown summary of the pack (SPEC §10), as `evpack summary` prints it for the archive.
        public var summary: String {
            MarkdownSummary.render(EvidenceReport(evaluation: evaluation, text: .xmlSafe), packName: archive.lastPathComponent)
        }

        /// Appends `summary` to the file at `path` (`$GITHUB_STEP_SUMMARY`), made when missing.
        public func appendSummary(to path: String) throws(InputError) {
            do {
                try FileWriter.append(Array(summary.utf8), to: path)
            } catch {
                throw .cannotWrite(path: error.path, reason: error.reason)
            }
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
                "records": JSONValueEncoder.encode(evaluation.operations?.counts ?? IngestCounts()),
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
        let rendered = try Self.render(prepared, templates: templates)
        let result = try PackStage(parent: parent, options: setup.options(asOf: evaluation.asOf)) { done, total in
            progress?("pack", done, total)
        }.run(rendered)
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

    /// Report → render → pack for `evaluation`, into `parent` (see `PackStage`).
    @discardableResult
    public static func writePack(
        evaluation: Evaluation, snapshotBytes: [UInt8], ledger: (any RecordLedger)?, templates: TemplateSet, into parent: URL,
        pack: PackOptions, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> PackResult {
        let rendered = try render(PreparedEvaluation(snapshotBytes: snapshotBytes, evaluation: evaluation, ledger: ledger), templates: templates)
        return try PackStage(parent: parent, options: pack, progress: progress).run(rendered)
    }

    /// Report → render for `evaluation`, then its `data/` (SPEC §5) written into `data`, which is created.
    public static func writeData(evaluation: Evaluation, snapshotBytes: [UInt8], ledger: (any RecordLedger)? = nil, templates: TemplateSet, into data: URL) throws {
        try PackStage.write(try render(PreparedEvaluation(snapshotBytes: snapshotBytes, evaluation: evaluation, ledger: ledger), templates: templates), into: data)
    }

    /// Report → render: the pack's files in memory, nothing written yet.
    static func render(_ prepared: PreparedEvaluation, templates: TemplateSet) throws(BuildError) -> RenderedPack {
        try RenderStage(templates: templates).run(try ReportStage().run(prepared))
    }
}
