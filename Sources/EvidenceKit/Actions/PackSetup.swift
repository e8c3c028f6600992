/// The pack options of `evpack build` (`--compression`, `--sign-key`, `SOURCE_DATE_EPOCH`),
/// read and checked before anything else is, with input errors that name the option.
public struct PackSetup: Sendable {
    public var compression: Compression
    public var signingKey: SigningKey?
    /// `SOURCE_DATE_EPOCH`, when set: the archive time instead of the as-of instant.
    public var sourceDateEpoch: Int64?

    public init(compression: String = "gzip", signKeyPath: String? = nil, environment: [String: String]) throws(InputError) {
        guard let kind = Compression(rawValue: compression) else {
            throw .badOption([.compression], message: "'\(compression)' is not one of gzip, zstd, none")
        }
        self.compression = kind
        if let signKeyPath {
            do { signingKey = try SigningKey.read(signKeyPath) } catch { throw .badOption([.signKey], message: "\(error.description)") }
        }
        do { sourceDateEpoch = try PackWriter.sourceDateEpochSeconds(environment["SOURCE_DATE_EPOCH"]) } catch {
            throw .invalidOption(name: "SOURCE_DATE_EPOCH", message: error.reason)
        }
    }

    /// The options of a pack evaluated at `asOf` (the archive time unless `SOURCE_DATE_EPOCH` is set).
    public func options(asOf: Instant) -> PackOptions {
        PackOptions(compression: compression, signingKey: signingKey, mtime: sourceDateEpoch ?? asOf.seconds)
    }

    /// `PackSetup(…).options(asOf:)` in one step.
    public static func options(
        compression: String = "gzip", signKeyPath: String? = nil, asOf: Instant, environment: [String: String]
    ) throws(InputError) -> PackOptions {
        try PackSetup(compression: compression, signKeyPath: signKeyPath, environment: environment).options(asOf: asOf)
    }
}
