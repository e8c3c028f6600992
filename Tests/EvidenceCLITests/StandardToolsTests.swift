import Foundation
import Testing
import TestSupport

/// Every sample pack, read by tools nobody here wrote: securesystemslib and in-toto-attestation
/// for the signature; xmllint with Jenkins' junit-10.xsd, junitparser and xunitparser for
/// `data/junit.xml`.
@Suite struct StandardToolsTests {
    /// Builds a pack of every sample snapshot (ready.json with its records) into `out`, signed
    /// with `key` when given; the pack folders.
    static func buildSamples(into out: URL, signKey: String? = nil, extra: [String] = []) throws -> [URL] {
        var folders: [URL] = []
        for snapshot in TestPaths.sampleSnapshots {
            var arguments = ["build", snapshot, "--out", out.path] + extra
            if snapshot.hasSuffix("/ready.json") { arguments += ["--records", TestPaths.snapshot("ready-records.jsonl")] }
            if let signKey { arguments += ["--sign-key", signKey] }
            let result = try Run.evpack(arguments)
            #expect(result.status == 0, "\(snapshot): \(result.stderr)")
            let name = try #require(result.stdout.split(separator: "\n").first?.split(separator: " ").dropFirst().first)
            folders.append(URL(fileURLWithPath: String(name)))
        }
        #expect(folders.count >= 2)
        return folders
    }

    /// securesystemslib verifies each envelope with the default key of `from_crypto` (so its
    /// keyid is the one the envelope names) and in-toto-attestation validates the Statement.
    static let dsseVerifier = #"""
        import sys, json
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
        from google.protobuf import json_format
        from securesystemslib.signer import SSlibKey
        from securesystemslib.dsse import Envelope
        from securesystemslib.exceptions import VerificationError
        import in_toto_attestation.v1.statement_pb2 as statement_pb2
        from in_toto_attestation.v1.statement import Statement

        key = SSlibKey.from_crypto(load_pem_public_key(open(sys.argv[1], "rb").read()))
        for bag in sys.argv[2:]:
            envelope = Envelope.from_dict(json.load(open(bag + "/signature.json")))
            try:
                accepted = envelope.verify([key], 1)
            except VerificationError as error:
                print("NOT VERIFIED", bag, error)
                continue
            assert list(accepted) == [key.keyid], accepted
            assert envelope.payload_type == "application/vnd.in-toto+json"
            statement = Statement.copy_from_pb(json_format.Parse(envelope.payload.decode("utf-8"), statement_pb2.Statement()))
            statement.validate()
            names = sorted(subject.name for subject in statement.pb.subject)
            print("OK", key.keyid, len(names), names[0], statement.pb.predicate_type, statement.pb.predicate["Production-Decision"].split()[0])
        """#

    @Test func securesystemslibVerifiesEverySignedSamplePackWithItsDefaultKeyID() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let keygen = try Run.evpack(["keygen", "--out", out.appendingPathComponent("release").path])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let keyID = try #require(keygen.stdout.split(separator: "\n").last?.split(separator: " ").last.map(String.init))
        let packs = out.appendingPathComponent("packs")
        let folders = try Self.buildSamples(into: packs, signKey: out.appendingPathComponent("release.key").path)

        let result = try Run.python(Self.dsseVerifier, [out.appendingPathComponent("release.pub").path] + folders.map(\.path))
        #expect(result.status == 0, "python3 with securesystemslib and in_toto_attestation (make test installs them): \(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == folders.count)
        for line in lines {
            #expect(line.hasPrefix("OK \(keyID) ") && line.contains(" data/board.html urn:evpack:pack:v1 "), "\(line)")
        }

        // The same check fails with another key: it can fail.
        #expect(try Run.evpack(["keygen", "--out", out.appendingPathComponent("other").path]).status == 0)
        let other = try Run.python(Self.dsseVerifier, [out.appendingPathComponent("other.pub").path, folders[0].path])
        #expect(other.status == 0 && other.stdout.hasPrefix("NOT VERIFIED"), "\(other.stdout)\(other.stderr)")
    }

    /// Jenkins' JUnit schema (a copy, with its MIT licence, in Tests/Fixtures).
    static let junitSchema = TestPaths.root.appendingPathComponent("Tests/Fixtures/junit-10.xsd").path

    /// Reads each junit.xml with junitparser and with xunitparser (which asserts the totals of
    /// `<testsuites>` and refuses a property name that repeats); prints one line per file.
    static let junitReaders = #"""
        import sys
        import junitparser, xunitparser
        for path in sys.argv[1:]:
            xml = junitparser.JUnitXml.fromfile(path)
            ids = [(case.classname, case.name) for suite in xml for case in suite]
            assert len(ids) == len(set(ids)), "(classname, name) repeats"
            assert all(classname.startswith("evpack.") for classname, _ in ids), ids
            failed = [(case.classname, case.name) for suite in xml for case in suite if not case.is_passed]
            suite, result = xunitparser.parse(open(path))
            cases = list(suite)
            assert len(cases) == len(ids) == xml.tests, (len(cases), len(ids), xml.tests)
            assert len(result.failures) == len(failed) == xml.failures
            production = [case for case in cases if case.classname == "evpack.production"]
            assert len(production) == 1 and production[0].methodname == "decision"
            print("OK", len(cases), len(failed), "GO" if production[0].good else production[0].message)
        """#

    @Test func everySamplePacksJUnitValidatesAgainstJenkinsSchemaAndParsesInBothReaders() throws {
        let out = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let folders = try Self.buildSamples(into: out)
        let files = folders.map { $0.appendingPathComponent("data/junit.xml").path }
        for file in files {
            let lint = try Run.process("xmllint", ["--noout", "--schema", Self.junitSchema, file])
            #expect(lint.status == 0 && lint.stderr.contains("validates"), "\(file): \(lint.stderr)")
        }
        let result = try Run.python(Self.junitReaders, files)
        #expect(result.status == 0, "python3 with junitparser and xunitparser (make test installs them): \(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == files.count)
        #expect(lines.allSatisfy { $0.hasPrefix("OK ") }, "\(result.stdout)")
        // The demo is NO-GO: the production test case fails with the decision and what blocks it.
        #expect(lines.contains { $0.hasSuffix(" NO-GO: BLOCKED_PENDING_DRY_RUN") }, "\(result.stdout)")

        // The schema check can fail: `skipped` on <testsuites> (what packs wrote before) is refused.
        let old = out.appendingPathComponent("old-junit.xml")
        try Data("<testsuites name=\"x\" tests=\"0\" skipped=\"0\"></testsuites>\n".utf8).write(to: old)
        let refused = try Run.process("xmllint", ["--noout", "--schema", Self.junitSchema, old.path])
        #expect(refused.status != 0 && refused.stderr.contains("skipped"), "\(refused.stderr)")
    }
}
