import CLibXML2

/// Validates XML against an XML Schema in process, with libxml2.
public enum SchemaValidator {
    /// A schema that cannot be used, or a document that does not validate.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// One message per problem, `line N: message`.
        public var messages: [String]
        public var file: String

        public var description: String {
            "\(file) does not validate against its schema:\n" + messages.map { "  \($0)" }.joined(separator: "\n")
        }
    }

    /// Collects libxml2's structured errors.
    private final class Collector {
        var messages: [String] = []
    }

    /// Throws the schema's complaints when `document` is not valid against `schema`.
    /// `file` names the document in the error.
    public static func validate(_ document: [UInt8], schema: [UInt8], file: String = "evidence.xml") throws(Failure) {
        LibXML2.initialize()
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        let handler: xmlStructuredErrorFunc = { userData, error in
            guard let userData, let error else { return }
            let collector = Unmanaged<Collector>.fromOpaque(userData).takeUnretainedValue()
            let message = error.pointee.message.map { String(cString: $0).trimmingTrailingNewlines } ?? "unknown error"
            let line = Int(error.pointee.line)
            collector.messages.append(line > 0 ? "line \(line): \(message)" : message)
        }
        defer { withExtendedLifetime(collector) {} }

        // The schema.
        let parsedSchema: xmlSchemaPtr? = schema.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { bytes in
                guard let parser = xmlSchemaNewMemParserCtxt(bytes, Int32(buffer.count)) else { return nil }
                defer { xmlSchemaFreeParserCtxt(parser) }
                xmlSchemaSetParserStructuredErrors(parser, handler, context)
                return xmlSchemaParse(parser)
            }
        }
        guard let parsedSchema else {
            throw Failure(messages: ["the schema itself is not usable"] + collector.messages, file: "evidence-pack.xsd")
        }
        defer { xmlSchemaFree(parsedSchema) }

        // The document: no network, no entity expansion, errors collected rather than printed.
        let parsedDocument: xmlDocPtr
        switch LibXML2.readMemory(document, name: file) {
        case .success(let parsed): parsedDocument = parsed
        case .failure(.noParser): throw Failure(messages: ["cannot create an XML parser"], file: file)
        case .failure(.notWellFormed(let line, let message)): throw Failure(messages: ["line \(line ?? 0): \(message)"], file: file)
        }
        defer { xmlFreeDoc(parsedDocument) }

        guard let validator = xmlSchemaNewValidCtxt(parsedSchema) else { throw Failure(messages: ["cannot create a schema validator"], file: file) }
        defer { xmlSchemaFreeValidCtxt(validator) }
        xmlSchemaSetValidStructuredErrors(validator, handler, context)
        let result = xmlSchemaValidateDoc(validator, parsedDocument)
        if result != 0 {
            throw Failure(messages: collector.messages.isEmpty ? ["validation failed (code \(result))"] : collector.messages, file: file)
        }
    }
}
