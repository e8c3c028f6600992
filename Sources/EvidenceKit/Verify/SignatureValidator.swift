/// The signature step: `signature.json` against `--key`, and its subjects against the payload.
enum SignatureValidator {
    static func validate(_ contents: PackContents, key: VerifyingKey?) -> StepReport {
        let file = BagIt.signatureFile
        let envelopeBytes = contents.bytes(file)
        guard let key else {
            if contents.files[file] != nil {
                return StepReport(step: .signature, status: .notChecked, summary: "\(file) is present but was not verified: no --key given")
            }
            return StepReport(step: .signature, status: .skipped, summary: "unsigned pack, no --key given")
        }
        func failed(_ reason: String, _ name: String = file) -> StepReport {
            StepReport(step: .signature, status: .failed, summary: "key \(key.keyID.prefix(16))", failures: [VerifyFailure(.signature, name, reason)])
        }
        guard contents.files[file] != nil else { return failed("missing: --key was given but the pack is not signed") }
        guard let envelopeBytes else { return failed("too large to be a signature envelope") }
        let envelope: DSSE.Envelope
        switch DSSE.parse(envelopeBytes) {
        case .success(let parsed): envelope = parsed
        case .failure(let error): return failed(error.reason)
        }
        guard envelope.payloadType == DSSE.inTotoPayloadType else {
            return failed("payloadType is '\(envelope.payloadType)', expected \(DSSE.inTotoPayloadType)")
        }
        let message = DSSE.pae(payloadType: envelope.payloadType, payload: envelope.payload)
        guard envelope.signatures.contains(where: { key.isValidSignature($0.signature, for: message) }) else {
            let ids = envelope.signatures.compactMap(\.keyID).map { String($0.prefix(16)) }
            return failed("no signature verifies with key \(key.keyID.prefix(16)) (signed by \(ids.isEmpty ? "an unnamed key" : ids.joined(separator: ", "))): a wrong key, or the signed content was changed")
        }
        let subjects: [String: String]
        switch PackStatement.subjects(envelope.payload) {
        case .success(let found): subjects = found
        case .failure(let error): return failed(error.reason)
        }
        var failures: [VerifyFailure] = []
        let payload = contents.files.filter { $0.key.hasPrefix(BagIt.payloadFolder + "/") }
        for name in subjects.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            guard let actual = payload[name] else {
                failures.append(VerifyFailure(.signature, name, "signed in \(file) but missing from the pack"))
                continue
            }
            if actual.sha256 != subjects[name] {
                failures.append(VerifyFailure(.signature, name, "content differs from what \(file) signs: sha256 is \(actual.sha256), signed \(subjects[name]!)"))
            }
        }
        for name in payload.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where subjects[name] == nil {
            failures.append(VerifyFailure(.signature, name, "not covered by \(file): the signature is over other content"))
        }
        return StepReport(
            step: .signature, status: .passed,
            summary: "Ed25519 signature by key \(key.keyID.prefix(16)) holds; \(subjects.count) signed payload files", failures: failures)
    }
}
