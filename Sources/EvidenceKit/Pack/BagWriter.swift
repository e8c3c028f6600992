#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `BagWriter` wrote around a payload.
public struct Bag: Sendable, Equatable {
    /// Every payload file (`data/…`) with its SHA-256, sorted by path.
    public var payload: [BagIt.ManifestEntry]
    /// The payload's octets.
    public var payloadBytes: Int64
    /// `<octets>.<files>`.
    public var payloadOxum: String { BagIt.payloadOxum(bytes: payloadBytes, files: payload.count) }
}

/// Turns a folder holding `data/` into a BagIt 1.0 bag with SHA-256 manifests.
public enum BagWriter {
    /// Writes `bagit.txt`, `manifest-sha256.txt`, `bag-info.txt`, `tagmanifest-sha256.txt` and,
    /// with a key, `signature.json` into `folder` (which must hold `data/` and nothing else but
    /// earlier bag files, which are replaced). `name` is the bag's name, signed with its payload.
    /// `hashed` holds the SHA-256 of payload files (`data/…`) already hashed as they were
    /// written, which are not read again.
    public static func write(
        folder: String, name: String, info: BagInfo, signingKey: SigningKey?, hashed: [String: String] = [:],
        progress: (@Sendable (Int) -> Void)? = nil
    ) throws(PackError) -> Bag {
        let entries = try FileTree.walk(folder)
        guard entries.contains(where: { $0.path == BagIt.payloadFolder && $0.kind == .directory }) else {
            throw PackError(folder, "no data/ folder: a pack folder holds its payload in data/")
        }
        var payloadFiles: [TreeEntry] = []
        for entry in entries {
            let inPayload = entry.path.hasPrefix(BagIt.payloadFolder + "/")
            switch entry.kind {
            case .file where inPayload: payloadFiles.append(entry)
            case .file where BagIt.tagFiles.contains(entry.path): continue
            case .directory where inPayload || entry.path == BagIt.payloadFolder: continue
            case .symlink: throw PackError(folder + "/" + entry.path, "is a symbolic link; a pack holds regular files only")
            case .other(let what): throw PackError(folder + "/" + entry.path, "is a \(what); a pack holds regular files only")
            default: throw PackError(folder + "/" + entry.path, "unexpected at the bag's root: a pack holds data/ and its tag files only")
            }
        }
        let unhashed = payloadFiles.filter { hashed[$0.path] == nil }
        var digests = try FileHasher.digests(unhashed.map { folder + "/" + $0.path }, progress: progress)[...]
        var payload: [BagIt.ManifestEntry] = []
        var bytes: Int64 = 0
        for entry in payloadFiles {
            if let sha256 = hashed[entry.path] {
                payload.append(BagIt.ManifestEntry(path: entry.path, sha256: sha256))
                bytes += entry.size
                progress?(Int(entry.size))
            } else {
                let digest = digests.removeFirst()
                payload.append(BagIt.ManifestEntry(path: entry.path, sha256: digest.sha256))
                bytes += digest.size
            }
        }
        let oxum = BagIt.payloadOxum(bytes: bytes, files: payload.count)

        let declaration = Array(BagIt.declaration.utf8)
        let manifest = Array(BagIt.manifest(payload).utf8)
        let bagInfo = Array(try info.text(payloadOxum: oxum).utf8)
        let tagManifest = Array(BagIt.manifest([
            BagIt.ManifestEntry(path: BagIt.declarationFile, sha256: Checksum.sha256Hex(declaration)),
            BagIt.ManifestEntry(path: BagIt.infoFile, sha256: Checksum.sha256Hex(bagInfo)),
            BagIt.ManifestEntry(path: BagIt.manifestFile, sha256: Checksum.sha256Hex(manifest)),
        ]).utf8)
        try FileWriter.write(declaration, to: folder + "/" + BagIt.declarationFile)
        try FileWriter.write(manifest, to: folder + "/" + BagIt.manifestFile)
        try FileWriter.write(bagInfo, to: folder + "/" + BagIt.infoFile)
        try FileWriter.write(tagManifest, to: folder + "/" + BagIt.tagManifestFile)

        let signaturePath = folder + "/" + BagIt.signatureFile
        if let signingKey {
            let statement = PackStatement.bytes(bagName: name, payload: payload, info: info.fields(payloadOxum: oxum))
            let envelope = DSSE.envelope(payloadType: DSSE.inTotoPayloadType, payload: statement, key: signingKey)
            try FileWriter.write(Array(JSONWriter.pretty(envelope).utf8), to: signaturePath)
        } else if unlink(signaturePath) != 0, errno != ENOENT {
            throw PackError(signaturePath, "cannot remove an earlier signature: \(errnoText())")
        }
        return Bag(payload: payload, payloadBytes: bytes)
    }
}
