/// One file of a pack's `data/` folder as the render stage makes it.
public struct RenderedFile: Sendable {
    public enum Content: Sendable {
        /// Bytes made in memory.
        case bytes([UInt8])
        /// Streamed out of the ledger when the pack is written; the digest says what it must be.
        case export(LedgerExport, PackFileDigest)
    }

    /// The path under `data/`, e.g. `inputs/snapshot.json`.
    public var path: String
    public var content: Content

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.content = .bytes(bytes)
    }

    init(path: String, export: LedgerExport, digest: PackFileDigest) {
        self.path = path
        self.content = .export(export, digest)
    }

    /// The file's digest as `evidence.xml` lists it (hashed now when it was made in memory).
    public var digest: PackFileDigest {
        switch content {
        case .bytes(let bytes): PackFileDigest(path: path, sha256: Checksum.sha256Hex(bytes), bytes: bytes.count)
        case .export(_, let digest): digest
        }
    }
}

/// A pack made in memory, ready to be written: its name, its `bag-info.txt` fields and the
/// files of `data/` in the order they are written.
public struct RenderedPack: Sendable {
    /// `evidence-<session>-<bfg-short>`.
    public var name: String
    public var info: BagInfo
    /// The folders under `data/` (`inputs`, `packets`, `schema`), made before the files.
    public var folders: [String]
    public var files: [RenderedFile]
}

/// The pipeline's render stage: lays the report out as the files of `data/` (SPEC §5), in
/// memory: the inputs, the packets, evidence.xml (validated against its schema here, so an
/// invalid document never reaches the disk) and the schema, junit.xml and the HTML pages.
public struct RenderStage: PipelineStage {
    public var templates: TemplateSet

    public init(templates: TemplateSet) {
        self.templates = templates
    }

    public func run(_ report: PackReport) throws(BuildError) -> RenderedPack {
        let evaluation = report.evaluation
        var files = report.inputs
        for packet in evaluation.packets {
            files.append(RenderedFile(path: "packets/\(packet.fileName)", bytes: Array(packet.text.utf8)))
        }
        let xml = Array(EvidenceXML.document(report.record).utf8)
        do {
            try SchemaValidator.validate(xml, schema: templates.schema, file: "evidence.xml")
        } catch {
            throw .invalidEvidenceXML(error)
        }
        files.append(RenderedFile(path: "evidence.xml", bytes: xml))
        files.append(RenderedFile(path: "schema/evidence-pack.xsd", bytes: templates.schema))
        // JUnit and the pages show the text as evaluated (evidence.xml's is made XML-safe).
        let view = EvidenceReport(evaluation: evaluation, inputs: report.record.inputs)
        files.append(RenderedFile(path: "junit.xml", bytes: Array(JUnitReport.document(view).utf8)))
        for page in HTMLRenderer(templates: templates).pages(view, snapshot: evaluation.snapshot) {
            files.append(RenderedFile(path: page.fileName, bytes: Array(page.text.utf8)))
        }
        let production = evaluation.production
        let info = BagInfo(
            asOf: evaluation.asOf, payloadChecksum: evaluation.snapshot.payloadChecksum,
            productionDecision: PackDecision.bagInfoValue(isGo: production.isGo, blocking: production.blocking))
        return RenderedPack(
            name: BuildAction.packName(evaluation.snapshot), info: info, folders: ["inputs", "packets", "schema"], files: files)
    }
}
