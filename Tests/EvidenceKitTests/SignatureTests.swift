import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// Keys and DSSE envelopes, checked against an independent verifier written from the DSSE spec
/// in Python (PAE by hand, Ed25519 from the `cryptography` package).
@Suite struct SignatureTests {
    /// Verifies `signature.json` of a bag folder with a PEM public key; prints OK or the reason.
    static let independentVerifier = #"""
        import sys, os, json, base64, hashlib
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.exceptions import InvalidSignature

        def pae(payload_type, body):
            t = payload_type.encode("utf-8")
            return b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)

        bag, pub = sys.argv[1], sys.argv[2]
        key = load_pem_public_key(open(pub, "rb").read())
        assert isinstance(key, Ed25519PublicKey), "not an Ed25519 key"
        envelope = json.load(open(os.path.join(bag, "signature.json")))
        assert set(envelope) == {"payload", "payloadType", "signatures"}, envelope.keys()
        assert envelope["payloadType"] == "application/vnd.in-toto+json"
        body = base64.b64decode(envelope["payload"], validate=True)
        good = 0
        for signature in envelope["signatures"]:
            try:
                key.verify(base64.b64decode(signature["sig"], validate=True), pae(envelope["payloadType"], body))
                good += 1
            except InvalidSignature:
                pass
        if not good:
            print("BAD SIGNATURE"); sys.exit(1)
        statement = json.loads(body)
        assert statement["_type"] == "https://in-toto.io/Statement/v1"
        subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
        files = {}
        for root, dirs, names in os.walk(os.path.join(bag, "data")):
            for name in names:
                path = os.path.join(root, name)
                files[os.path.relpath(path, bag)] = hashlib.sha256(open(path, "rb").read()).hexdigest()
        if files != subjects:
            print("SUBJECTS DIFFER", sorted(set(files.items()) ^ set(subjects.items()))); sys.exit(1)
        print("OK", len(subjects), statement["predicateType"], statement["predicate"]["Production-Decision"])
        """#

    func writeKeys(_ key: SigningKey, in folder: URL, name: String = "signer") throws -> (key: URL, pub: URL) {
        let keyURL = folder.appendingPathComponent(name + ".key"), pubURL = folder.appendingPathComponent(name + ".pub")
        try Data(key.pem.utf8).write(to: keyURL)
        try Data(key.publicKey.pem.utf8).write(to: pubURL)
        return (keyURL, pubURL)
    }

    @Test func anIndependentVerifierAcceptsTheEnvelope() throws {
        let key = SigningKey.generate()
        let pack = try PackFixture.sealed(key: key)
        let root = pack.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: root) }
        let files = try writeKeys(key, in: root)
        let result = try Run.python(Self.independentVerifier, [pack.folder.path, files.pub.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout == "OK 11 urn:evpack:pack:v1 NO-GO BLOCKED_PENDING_DRY_RUN\n")

        // The same verifier rejects another key and a changed payload: it can fail.
        let other = try writeKeys(SigningKey.generate(), in: root, name: "other")
        let wrong = try Run.python(Self.independentVerifier, [pack.folder.path, other.pub.path])
        #expect(wrong.status == 1 && wrong.stdout == "BAD SIGNATURE\n", "\(wrong.stdout)\(wrong.stderr)")
        try Data("changed\n".utf8).write(to: pack.folder.appendingPathComponent("data/packets/release.env"))
        let changed = try Run.python(Self.independentVerifier, [pack.folder.path, files.pub.path])
        #expect(changed.status == 1 && changed.stdout.hasPrefix("SUBJECTS DIFFER"), "\(changed.stdout)\(changed.stderr)")
    }

    @Test func keyFilesAreTheStandardPEMForms() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = SigningKey.generate()
        let files = try writeKeys(key, in: folder)
        #expect(key.pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n") && key.pem.hasSuffix("-----END PRIVATE KEY-----\n"))
        #expect(key.publicKey.pem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        // cryptography reads both, derives the same public key, and signs what we sign, byte for byte
        // (Ed25519 is deterministic).
        let message = "DSSEv1 28 application/vnd.in-toto+json 2 {}"
        let program = #"""
            import sys, base64
            from cryptography.hazmat.primitives import serialization as s
            private = s.load_pem_private_key(open(sys.argv[1], "rb").read(), password=None)
            public = s.load_pem_public_key(open(sys.argv[2], "rb").read())
            raw = lambda k: k.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
            assert raw(private.public_key()) == raw(public)
            print(base64.b64encode(private.sign(sys.argv[3].encode())).decode())
            """#
        let result = try Run.python(program, [files.key.path, files.pub.path, message])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == Data(key.signature(for: Array(message.utf8))).base64EncodedString() + "\n")

        let read = try SigningKey.read(files.key.path)
        #expect(read.publicKey == key.publicKey)
        #expect(try VerifyingKey.read(files.pub.path) == key.publicKey)
        #expect(key.publicKey.legacyKeyID == Checksum.sha256Hex(key.publicKey.raw))
        #expect(key.publicKey.keyID != key.publicKey.legacyKeyID)
        // Each file is only its own kind, with a message that says so.
        #expect { try SigningKey.read(files.pub.path) } throws: { ($0 as? PackError)?.reason.contains("BEGIN PRIVATE KEY") == true }
        #expect { try VerifyingKey.read(files.key.path) } throws: { ($0 as? PackError)?.reason.contains("BEGIN PUBLIC KEY") == true }
        try Data("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VxAyEA\n-----END PUBLIC KEY-----\n".utf8).write(to: files.pub)
        #expect { try VerifyingKey.read(files.pub.path) } throws: { ($0 as? PackError)?.reason.contains("not an Ed25519 public key") == true }
        #expect(throws: PackError.self) { try VerifyingKey.read(folder.appendingPathComponent("missing.pub").path) }
    }

    @Test func aSignatureMadeByAnotherImplementationVerifies() throws {
        // Python signs the statement of our pack with its own PAE; our verifier accepts it.
        let pack = try PackFixture.sealed(key: PackFixture.key(4))
        let root = pack.folder.deletingLastPathComponent()
        defer { try? FileManager.default.removeItem(at: root) }
        let program = #"""
            import sys, json, base64
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
            from cryptography.hazmat.primitives import serialization as s
            key = Ed25519PrivateKey.generate()
            path = sys.argv[1] + "/signature.json"
            envelope = json.load(open(path))
            body = base64.b64decode(envelope["payload"])
            t = envelope["payloadType"].encode()
            sig = key.sign(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
            envelope["signatures"] = [{"keyid": "python", "sig": base64.b64encode(sig).decode()}]
            json.dump(envelope, open(path, "w"))
            open(sys.argv[2], "wb").write(key.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo))
            """#
        let pub = root.appendingPathComponent("python.pub")
        let result = try Run.python(program, [pack.folder.path, pub.path])
        #expect(result.status == 0, "\(result.stderr)")
        let key = try VerifyingKey.read(pub.path)
        let report = try PackVerifier.verify(pack.folder.path, options: VerifyOptions(key: key, replay: false))
        #expect(report.verified, "\(report.text)")
        let ours = try PackVerifier.verify(pack.folder.path, options: VerifyOptions(key: PackFixture.key(4).publicKey, replay: false))
        #expect(!ours.verified && ours.failures.first?.reason.contains("signed by python") == true, "\(ours.text)")
    }

    /// The key id is securesystemslib's: a fixed vector (seed 00 01 … 1f, computed with
    /// securesystemslib 1.6 `SSlibKey.from_crypto(pub).keyid`), and the library itself on a new key.
    @Test func keyIDIsTheOneSecuresystemslibComputes() throws {
        let fixed = try SigningKey(rawSeed: Array(0..<32))
        #expect(fixed.publicKey.keyID == "63d00ee3cf4f5c61ad94efa696c68f13b608fe56ecea13fb144a6fd18e9235b9")
        #expect(Array(CanonicalJSON.bytes(fixed.publicKey.securesystemslibKey)) == Array(
            #"{"keytype":"ed25519","keyval":{"public":"03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"},"scheme":"ed25519"}"#.utf8))

        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = SigningKey.generate()
        let files = try writeKeys(key, in: folder)
        let program = #"""
            import sys
            from cryptography.hazmat.primitives.serialization import load_pem_public_key
            from securesystemslib.signer import SSlibKey
            print(SSlibKey.from_crypto(load_pem_public_key(open(sys.argv[1], "rb").read())).keyid)
            """#
        let result = try Run.python(program, [files.pub.path])
        #expect(result.status == 0, "python3 with securesystemslib must be installed (make test installs it): \(result.stderr)")
        #expect(result.stdout == key.publicKey.keyID + "\n")
    }

    /// Packs signed before the keyid changed carry the SHA-256 of the raw key: they still verify,
    /// because the verifier tries every signature with the key it is given, whatever its keyid.
    @Test func packsSignedWithTheLegacyKeyIDStillVerify() throws {
        let key = PackFixture.key(5)
        let pack = try PackFixture.sealed(key: key)
        defer { try? FileManager.default.removeItem(at: pack.folder.deletingLastPathComponent()) }
        let url = pack.folder.appendingPathComponent(BagIt.signatureFile)
        let envelope = try String(contentsOf: url, encoding: .utf8)
        #expect(envelope.contains(key.publicKey.keyID) && !envelope.contains(key.publicKey.legacyKeyID))
        try Data(envelope.replacingOccurrences(of: key.publicKey.keyID, with: key.publicKey.legacyKeyID).utf8).write(to: url)
        let report = try PackVerifier.verify(pack.folder.path, options: VerifyOptions(key: key.publicKey, replay: false))
        #expect(report.verified, "\(report.text)")
        let other = try PackVerifier.verify(pack.folder.path, options: VerifyOptions(key: PackFixture.key(6).publicKey, replay: false))
        #expect(!other.verified)
    }

    @Test func paeIsTheSpecsEncoding() {
        // DSSE protocol.md: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body.
        #expect(DSSE.pae(payloadType: "http://example.com/HelloWorld", payload: Array("hello world".utf8))
            == Array("DSSEv1 29 http://example.com/HelloWorld 11 hello world".utf8))
        #expect(DSSE.pae(payloadType: "", payload: []) == Array("DSSEv1 0  0 ".utf8))
    }
}
