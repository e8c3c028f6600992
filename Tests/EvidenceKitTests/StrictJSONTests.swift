import Foundation
import Testing
@testable import EvidenceKit

/// The small fixed-shape documents read through `Decodable`: options.json, the DSSE envelope
/// and its in-toto Statement; strict JSON first, then the fields named in errors.
@Suite struct StrictJSONTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func optionsRoundTripThroughTheWriter() throws {
        var policy = DeployPolicySet.defaults
        policy.prod.approvalsRequired = 3
        let options = RunOptions(asOf: Instant(rfc3339: "2026-11-20T09:00:00Z")!, window: .week, stuckQueuedMinutes: 45,
                                 stuckRunningMinutes: 200, policy: policy)
        #expect(try StrictJSON.decode(RunOptions.self, from: Array(JSONWriter.pretty(options.json).utf8)) == options)
    }

    @Test(arguments: [
        (#"{"as_of": "2026-11-20T09:00:00Z", "window": "2d", "stuck_queued_minutes": 30, "stuck_running_minutes": 120}"#, "options.window: expected 1h, 24h or 7d"),
        (#"{"as_of": 5, "window": "24h", "stuck_queued_minutes": 30, "stuck_running_minutes": 120}"#, "options.as_of: expected an RFC 3339 time"),
        (#"{"as_of": "2026-11-20T09:00:00Z", "window": "24h", "stuck_queued_minutes": 30.5, "stuck_running_minutes": 120}"#, "options.stuck_queued_minutes: expected a whole number of minutes"),
        (#"{"as_of": "2026-11-20T09:00:00Z", "window": "24h", "stuck_queued_minutes": 30}"#, "options.stuck_running_minutes: expected a whole number of minutes"),
        ("[1]", "options: expected an object"),
    ])
    func badOptionsNameTheField(_ text: String, _ message: String) {
        #expect { try StrictJSON.decode(RunOptions.self, from: Self.bytes(text)) } throws: { ($0 as? OptionsError)?.description == message }
    }

    @Test func whatFoundationWouldAcceptIsRefusedWithAPosition() {
        #expect { try StrictJSON.decode(RunOptions.self, from: Self.bytes("{\"window\": \"1h\",\n \"window\": \"7d\"}")) } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.line == 2 && error.message.contains("duplicate")
        }
        #expect(throws: JSONParseError.self) { try StrictJSON.decode(RunOptions.self, from: Self.bytes(#"{"window": "1h",}"#)) }
    }

    @Test func anEnvelopeReadsBackWhatTheWriterSigned() throws {
        let key = SigningKey.generate()
        let payload = Self.bytes(#"{"_type": "x"}"#)
        let written = Array(JSONWriter.pretty(DSSE.envelope(payloadType: DSSE.inTotoPayloadType, payload: payload, key: key)).utf8)
        let envelope = try DSSE.parse(written).get()
        #expect(envelope.payload == payload && envelope.payloadType == DSSE.inTotoPayloadType)
        #expect(envelope.signatures.map(\.keyID) == [key.publicKey.keyID])
        #expect(key.publicKey.isValidSignature(envelope.signatures[0].signature, for: DSSE.pae(payloadType: envelope.payloadType, payload: payload)))
    }

    @Test(arguments: [
        (#"{"payload": "e30=", "signatures": [{"sig": "AA=="}]}"#, "payloadType is missing"),
        (#"{"payloadType": "t", "payload": "e30=", "signatures": [{"keyid": "k", "sig": 7}]}"#, "signatures[0].sig: expected a string"),
        (#"{"payloadType": "t", "payload": "e30=", "signatures": [{"sig": "!!"}]}"#, "signatures[0].sig is not base64"),
        (#"{"payloadType": "t", "payload": "e30=", "signatures": []}"#, "no signatures"),
        (#"{"payloadType": "t", "payload": "%", "signatures": [{"sig": "AA=="}]}"#, "payload is not base64"),
    ])
    func aBrokenEnvelopeSaysWhatIsWrong(_ text: String, _ reason: String) {
        guard case .failure(let error) = DSSE.parse(Self.bytes(text)) else {
            Issue.record("accepted: \(text)")
            return
        }
        #expect(error.reason == reason && error.path == BagIt.signatureFile)
    }

    @Test func statementSubjects() throws {
        let statement = PackStatement.bytes(bagName: "b", payload: [BagIt.ManifestEntry(path: "data/a", sha256: "AB")], info: [])
        #expect(try PackStatement.subjects(statement).get() == ["data/a": "ab"])
        let twice = Self.bytes(#"{"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "a", "digest": {"sha256": "1"}}, {"name": "a", "digest": {"sha256": "2"}}]}"#)
        #expect(throws: PackError.self) { try PackStatement.subjects(twice).get() }
        let other = Self.bytes(#"{"subject": []}"#)
        guard case .failure(let error) = PackStatement.subjects(other) else { Issue.record("accepted"); return }
        #expect(error.reason == "the signed payload is not an in-toto Statement v1")
    }
}
