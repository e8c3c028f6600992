import Crypto
import Foundation

/// An Ed25519 private key that signs packs.
///
/// Stored as PEM, PKCS #8 (`-----BEGIN PRIVATE KEY-----`): the base64 of a fixed 16-byte
/// prefix and the raw 32-byte seed, the form `openssl genpkey -algorithm ed25519` writes and
/// Python's `cryptography` reads with `load_pem_private_key`.
public struct SigningKey: Sendable {
    let seed: [UInt8]

    /// A new random key (the only place randomness enters: keys, never packs).
    public static func generate() -> SigningKey {
        SigningKey(seed: Array(Curve25519.Signing.PrivateKey().rawRepresentation))
    }

    /// A key from its raw 32-byte seed.
    public init(rawSeed: [UInt8]) throws(PackError) {
        guard rawSeed.count == 32 else { throw PackError("key", "an Ed25519 seed is 32 bytes, not \(rawSeed.count)") }
        self.seed = rawSeed
    }

    private init(seed: [UInt8]) {
        self.seed = seed
    }

    /// The matching public key.
    public var publicKey: VerifyingKey {
        let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        return VerifyingKey(raw: Array(key.publicKey.rawRepresentation))
    }

    /// The Ed25519 signature of `message` (deterministic, RFC 8032).
    public func signature(for message: [UInt8]) -> [UInt8] {
        let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        return Array(try! key.signature(for: message))
    }

    /// The PEM text of the key file.
    public var pem: String {
        PEM.encode(label: "PRIVATE KEY", der: PEM.pkcs8Prefix + seed)
    }

    /// Reads a key file written by `evpack keygen` (or any PKCS #8 Ed25519 PEM without a password).
    public static func read(_ path: String) throws(PackError) -> SigningKey {
        let der = try PEM.decode(path: path, label: "PRIVATE KEY")
        guard der.count == PEM.pkcs8Prefix.count + 32, Array(der.prefix(PEM.pkcs8Prefix.count)) == PEM.pkcs8Prefix else {
            throw PackError(path, "not an Ed25519 private key (expected the PKCS #8 form `evpack keygen` writes)")
        }
        return SigningKey(seed: Array(der.suffix(32)))
    }
}

/// An Ed25519 public key that checks pack signatures.
///
/// Stored as PEM, SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`): a fixed 12-byte prefix
/// and the raw 32-byte key.
public struct VerifyingKey: Sendable, Equatable {
    /// The raw 32-byte key.
    public let raw: [UInt8]

    public init(raw: [UInt8]) {
        self.raw = raw
    }

    /// The key id written into DSSE signatures, the one securesystemslib computes
    /// (`SSlibKey.from_crypto`): the SHA-256 (hex) of the canonical JSON of
    /// `{"keytype":"ed25519","keyval":{"public":"<hex of the raw key>"},"scheme":"ed25519"}`.
    public var keyID: String { Checksum.sha256Hex(CanonicalJSON.bytes(securesystemslibKey)) }

    /// The key id packs were signed with before the securesystemslib one: the SHA-256 (hex)
    /// of the raw 32-byte key. Verification never depends on a key id (every signature is
    /// tried with the key given), so packs that carry it still verify.
    public var legacyKeyID: String { Checksum.sha256Hex(raw) }

    /// The key in securesystemslib's metadata form (what its key id is computed over).
    var securesystemslibKey: JSONValue {
        .object(JSONObject([
            "keytype": .string("ed25519"),
            "scheme": .string("ed25519"),
            "keyval": .object(JSONObject(["public": .string(Checksum.hex(raw))])),
        ]))
    }

    /// The PEM text of the key file.
    public var pem: String {
        PEM.encode(label: "PUBLIC KEY", der: PEM.spkiPrefix + raw)
    }

    /// True when `signature` is this key's Ed25519 signature of `message`.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// Reads a public key file written by `evpack keygen`.
    public static func read(_ path: String) throws(PackError) -> VerifyingKey {
        let der = try PEM.decode(path: path, label: "PUBLIC KEY")
        guard der.count == PEM.spkiPrefix.count + 32, Array(der.prefix(PEM.spkiPrefix.count)) == PEM.spkiPrefix else {
            throw PackError(path, "not an Ed25519 public key (expected the SubjectPublicKeyInfo form `evpack keygen` writes)")
        }
        return VerifyingKey(raw: Array(der.suffix(32)))
    }
}

/// PEM armour for the two fixed DER shapes of Ed25519 keys (RFC 8410).
enum PEM {
    /// SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING (32 bytes) }
    static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]
    /// SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32 bytes) } }
    static let pkcs8Prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]

    static func encode(label: String, der: [UInt8]) -> String {
        let base64 = Data(der).base64EncodedString()
        var lines: [String] = []
        var rest = Substring(base64)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(64)))
            rest = rest.dropFirst(64)
        }
        return "-----BEGIN \(label)-----\n" + lines.joined(separator: "\n") + "\n-----END \(label)-----\n"
    }

    static func decode(path: String, label: String) throws(PackError) -> [UInt8] {
        let bytes: [UInt8]
        do { bytes = try InputFile.read(path) } catch { throw PackError(path, "cannot read: \(reasonOf(error))") }
        guard bytes.count < 64 * 1024, let text = String(validating: bytes, as: UTF8.self) else {
            throw PackError(path, "not a PEM key file")
        }
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        guard let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex) else {
            throw PackError(path, "no '\(begin)' block (is it the other key of the pair?)")
        }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: String(body)) else { throw PackError(path, "the PEM body is not base64") }
        return Array(data)
    }

    private static func reasonOf(_ error: InputError) -> String {
        if case .cannotRead(_, let reason) = error { return reason }
        return error.description
    }
}
