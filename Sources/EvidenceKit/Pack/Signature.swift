import Foundation

/// Dead Simple Signing Envelopes (DSSE v1): what is signed is the PAE of the payload type and body.
public enum DSSE {
    /// The payload type of an in-toto Statement.
    public static let inTotoPayloadType = "application/vnd.in-toto+json"

    /// Pre-Authentication Encoding: `DSSEv1 SP LEN(type) SP type SP LEN(body) SP body`.
    public static func pae(payloadType: String, payload: [UInt8]) -> [UInt8] {
        var out = Array("DSSEv1 \(payloadType.utf8.count) \(payloadType) \(payload.count) ".utf8)
        out.append(contentsOf: payload)
        return out
    }

    /// An envelope holding `payload`, signed with `key`, as the JSON written to `signature.json`.
    public static func envelope(payloadType: String, payload: [UInt8], key: SigningKey) -> JSONValue {
        let signature = key.signature(for: pae(payloadType: payloadType, payload: payload))
        return .object(JSONObject([
            "payload": .string(Data(payload).base64EncodedString()),
            "payloadType": .string(payloadType),
            "signatures": .array([.object(JSONObject([
                "keyid": .string(key.publicKey.keyID),
                "sig": .string(Data(signature).base64EncodedString()),
            ]))]),
        ]))
    }

    /// A parsed envelope.
    public struct Envelope: Sendable {
        public var payloadType: String
        public var payload: [UInt8]
        public var signatures: [(keyID: String?, signature: [UInt8])]
    }

    /// `signature.json` as DSSE v1 lays it out (the base64 still encoded).
    struct EnvelopeDocument: Decodable {
        var payloadType: String
        var payload: String
        var signatures: [Signature]

        struct Signature: Decodable {
            var keyid: String?
            var sig: String
        }
    }

    /// Reads an envelope; the reason when it is not one.
    public static func parse(_ bytes: [UInt8]) -> Result<Envelope, PackError> {
        let file = BagIt.signatureFile
        let document: EnvelopeDocument
        do {
            document = try StrictJSON.decode(EnvelopeDocument.self, from: bytes)
        } catch let error as DecodingError {
            return .failure(PackError(file, StrictJSON.message(error)))
        } catch {
            return .failure(PackError(file, "not JSON: \(error)"))
        }
        guard let payload = Data(base64Encoded: document.payload) else { return .failure(PackError(file, "payload is not base64")) }
        guard !document.signatures.isEmpty else { return .failure(PackError(file, "no signatures")) }
        var signatures: [(keyID: String?, signature: [UInt8])] = []
        for (index, item) in document.signatures.enumerated() {
            guard let decoded = Data(base64Encoded: item.sig) else { return .failure(PackError(file, "signatures[\(index)].sig is not base64")) }
            signatures.append((item.keyid, Array(decoded)))
        }
        return .success(Envelope(payloadType: document.payloadType, payload: Array(payload), signatures: signatures))
    }
}

/// The in-toto Statement v1 a pack signs: its payload files and their SHA-256.
public enum PackStatement {
    public static let type = "https://in-toto.io/Statement/v1"
    /// The predicate: what the bag says about itself (bag-info.txt), so the decision is signed too.
    public static let predicateType = "urn:evpack:pack:v1"

    /// The statement's canonical bytes (RFC 8785): subjects sorted by name.
    public static func bytes(bagName: String, payload: [BagIt.ManifestEntry], info: [BagInfo.Field]) -> [UInt8] {
        let subjects = payload.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }.map { entry in
            JSONValue.object(JSONObject([
                "name": .string(entry.path),
                "digest": .object(JSONObject(["sha256": .string(entry.sha256)])),
            ]))
        }
        var predicate = JSONObject(["bag": .string(bagName)])
        for field in info { predicate[field.label] = .string(field.value) }
        return CanonicalJSON.bytes(.object(JSONObject([
            "_type": .string(type),
            "subject": .array(subjects),
            "predicateType": .string(predicateType),
            "predicate": .object(predicate),
        ])))
    }

    /// The parts of an in-toto Statement v1 that verify reads.
    struct Document: Decodable {
        var type: String
        var subject: [Subject]

        struct Subject: Decodable {
            var name: String
            var digest: Digest
        }

        struct Digest: Decodable {
            var sha256: String
        }

        enum CodingKeys: String, CodingKey {
            case type = "_type", subject
        }
    }

    /// The subjects of a statement: name → sha256; the reason when it is not a statement.
    public static func subjects(_ bytes: [UInt8]) -> Result<[String: String], PackError> {
        let file = BagIt.signatureFile
        let document: Document
        do {
            document = try StrictJSON.decode(Document.self, from: bytes)
        } catch let error as DecodingError {
            if case .keyNotFound(let key, let context) = error, context.codingPath.isEmpty, key.stringValue == "_type" {
                return .failure(PackError(file, "the signed payload is not an in-toto Statement v1"))
            }
            return .failure(PackError(file, "the signed statement: \(StrictJSON.message(error))"))
        } catch {
            return .failure(PackError(file, "the signed payload is not JSON: \(error)"))
        }
        guard document.type == type else { return .failure(PackError(file, "the signed payload is not an in-toto Statement v1")) }
        var subjects: [String: String] = [:]
        for item in document.subject {
            if subjects.updateValue(item.digest.sha256.lowercased(), forKey: item.name) != nil {
                return .failure(PackError(file, "subject \(item.name) is listed twice"))
            }
        }
        return .success(subjects)
    }
}
