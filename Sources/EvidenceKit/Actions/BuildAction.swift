import Crypto
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

/// `evpack build`: evaluate a snapshot and write the pack folder
/// `OUT/evidence-<session>-<bfg-short>/data/…` (SPEC §5).
public struct BuildAction: Sendable {
    public var snapshotPath: String
    /// The folder the pack folder is written into (`output` by default); made when missing.
    public var outputFolder: String
    /// The as-of instant; the snapshot's `captured_at` when nil.
    public var asOf: Instant?
    public var language: Language
    /// A folder whose `html/` and `labels/` files replace the bundled ones.
    public var templatesFolder: String?
    /// Replace a pack of the same name that is already there.
    public var force: Bool

    public init(snapshotPath: String, outputFolder: String = "output", asOf: Instant? = nil, language: Language = .en,
                templatesFolder: String? = nil, force: Bool = false) {
        self.snapshotPath = snapshotPath
        self.outputFolder = outputFolder
        self.asOf = asOf
        self.language = language
        self.templatesFolder = templatesFolder
        self.force = force
    }

    /// What a build wrote.
    public struct Result: Sendable {
        public var evaluation: Evaluation
        /// `evidence-<session>-<bfg-short>`.
        public var name: String
        /// The pack folder, `outputFolder/name`.
        public var folder: URL
    }

    /// Reads and checks every input first (exit 2 on a problem, nothing written), then writes
    /// the pack folder through a temporary folder.
    public func perform() throws -> Result {
        let (snapshot, bytes) = try InputFile.snapshot(snapshotPath)
        let templates: TemplateSet
        do {
            templates = try TemplateSet.load(language: language, override: templatesFolder.map { URL(fileURLWithPath: $0) })
        } catch {
            throw InputError.invalidOption(name: "--templates", message: error.description)
        }
        let evaluation = Evaluator.evaluate(snapshot, options: RunOptions(asOf: asOf ?? snapshot.capturedAt))
        // TODO(records, issue 3): --records FILE / --ledger DB feed the operations family here.
        let parent = URL(fileURLWithPath: outputFolder)
        let name = Self.packName(snapshot)
        let destination = parent.appendingPathComponent(name)
        if !force, FileManager.default.fileExists(atPath: destination.path) {
            throw InputError.invalidOption(
                name: "--out", message: "\(outputFolder)/\(name) already exists; remove it or pass --force to replace it")
        }
        let folder = try Self.writePackFolder(evaluation: evaluation, snapshotBytes: bytes, templates: templates,
                                              into: parent, replacing: force)
        return Result(evaluation: evaluation, name: name, folder: folder)
    }

    // MARK: - the pack folder, as a library

    /// The pack's folder name: `evidence-<session>-<bfg-short-checksum>`.
    public static func packName(_ snapshot: Snapshot) -> String {
        "evidence-\(snapshot.session)-\(snapshot.payloadChecksumShort)"
    }

    /// Writes the pack folder for `evaluation` into `parent` and returns its URL.
    ///
    /// Everything is written into a temporary sibling folder (`.evidence-….partial-<pid>`,
    /// a name that does not look like a pack); `finish` then runs on that folder (issue 5
    /// adds the BagIt files there), and only then is the folder renamed into place. On any
    /// error the temporary folder is removed and nothing existing is touched. A pack already
    /// at the destination is an error unless `replacing` is true.
    @discardableResult
    public static func writePackFolder(
        evaluation: Evaluation, snapshotBytes: [UInt8], templates: TemplateSet, into parent: URL, replacing: Bool = false,
        finish: (URL) throws -> Void = { _ in }
    ) throws -> URL {
        let name = packName(evaluation.snapshot)
        let destination = parent.appendingPathComponent(name)
        let pid = getpid()
        let partial = parent.appendingPathComponent(".\(name).partial-\(pid)")
        let fm = FileManager.default
        try PackFiles.makeFolders(parent.path)
        if fm.fileExists(atPath: partial.path) { try? fm.removeItem(at: partial) }
        try PackFiles.makeFolders(partial.path)
        var renamed = false
        defer { if !renamed { try? fm.removeItem(at: partial) } }

        try writeData(evaluation: evaluation, snapshotBytes: snapshotBytes, templates: templates,
                      into: partial.appendingPathComponent("data"))
        try finish(partial)

        if fm.fileExists(atPath: destination.path) {
            guard replacing else {
                throw BuildError.cannotWrite(path: destination.path, reason: "already exists")
            }
            let old = parent.appendingPathComponent(".\(name).old-\(pid)")
            try? fm.removeItem(at: old)
            try rename(destination, to: old)
            do {
                try rename(partial, to: destination)
            } catch {
                try? rename(old, to: destination)
                throw error
            }
            renamed = true
            try? fm.removeItem(at: old)
        } else {
            try rename(partial, to: destination)
            renamed = true
        }
        return destination
    }

    /// Writes `data/` of a pack (SPEC §5) into `data`, which is created: the inputs and
    /// packets first, then evidence.xml (validated against the schema before it is written),
    /// its schema, junit.xml and the HTML pages.
    public static func writeData(evaluation: Evaluation, snapshotBytes: [UInt8], templates: TemplateSet, into data: URL) throws {
        let files = PackFiles(root: data)
        try files.folder("")

        // data/inputs/
        try files.folder("inputs")
        try files.write("inputs/snapshot.json", storedSnapshot(snapshotBytes, evaluation.snapshot))
        try writeRecordInputs(into: data.appendingPathComponent("inputs"))
        try files.write("inputs/options.json", Array(JSONWriter.pretty(evaluation.options.json).utf8))
        var digests: [PackFileDigest] = []
        for name in ["snapshot.json", "records.jsonl", "rejects.jsonl", "options.json"] {
            digests.append(try files.digest("inputs/\(name)"))
        }

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

    /// Writes `records.jsonl` (the sanitized records the checks used) and `rejects.jsonl`
    /// (one object per rejected line) into `inputs`.
    ///
    /// TODO(records, issue 3): replace this body with the sanitized records and the rejects;
    /// until then no records are read and both files are empty.
    static func writeRecordInputs(into inputs: URL) throws {
        let files = PackFiles(root: inputs)
        try files.write("records.jsonl", [])
        try files.write("rejects.jsonl", [])
    }

    /// `data/inputs/snapshot.json`: the snapshot bytes as given, except that a connection
    /// endpoint that redaction changes is stored redacted, in a re-serialized document
    /// (the payload checksum does not cover the connection, so it still holds).
    public static func storedSnapshot(_ bytes: [UInt8], _ snapshot: Snapshot) -> [UInt8] {
        guard let endpoint = snapshot.connection?.endpoint, Redaction.url(endpoint) != endpoint,
              case .object(var document)? = try? JSONParser.parse(bytes, maxDepth: 256),
              case .object(var connection)? = document["connection"],
              case .string(let given)? = connection["endpoint"]
        else { return bytes }
        connection["endpoint"] = .string(Redaction.url(given))
        document["connection"] = .object(connection)
        return Array(JSONWriter.pretty(.object(document)).utf8)
    }

    private static func rename(_ from: URL, to: URL) throws {
        guard Glibc.rename(from.path, to.path) == 0 else {
            throw BuildError.cannotWrite(path: to.path, reason: String(cString: strerror(errno)))
        }
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
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                throw BuildError.cannotWrite(path: path, reason: reason)
            }
            offset += n
        }
        guard close(fd) == 0 else { throw BuildError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
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

    /// The SHA-256 and size of a written file, read back in blocks (memory stays flat).
    func digest(_ relative: String) throws -> PackFileDigest {
        let target = url(relative)
        guard let handle = FileHandle(forReadingAtPath: target.path) else {
            throw BuildError.cannotWrite(path: target.path, reason: "cannot read it back")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size = 0
        while true {
            let block: Data
            do {
                block = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw BuildError.cannotWrite(path: target.path, reason: error.localizedDescription)
            }
            if block.isEmpty { break }
            hasher.update(data: block)
            size += block.count
        }
        return PackFileDigest(path: relative, sha256: Checksum.hex(hasher.finalize()), bytes: size)
    }
}
