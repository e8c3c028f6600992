/// Turns the pack options of `evpack build` into `PackOptions`, with input errors that name the option.
public enum PackSetup {
    /// `--compression gzip|zstd|none`, `--sign-key FILE`, and the archive time: `SOURCE_DATE_EPOCH`
    /// from `environment` when set, else `asOf`.
    public static func options(
        compression: String = "gzip", signKeyPath: String? = nil, asOf: Instant, environment: [String: String]
    ) throws(InputError) -> PackOptions {
        guard let kind = Compression(rawValue: compression) else {
            throw .invalidOption(name: "--compression", message: "'\(compression)' is not one of gzip, zstd, none")
        }
        var key: SigningKey?
        if let signKeyPath {
            do { key = try SigningKey.read(signKeyPath) } catch { throw .invalidOption(name: "--sign-key", message: error.description) }
        }
        let mtime: Int64
        do { mtime = try PackWriter.archiveTime(asOf: asOf, sourceDateEpoch: environment["SOURCE_DATE_EPOCH"]) } catch {
            throw .invalidOption(name: "SOURCE_DATE_EPOCH", message: error.reason)
        }
        return PackOptions(compression: kind, signingKey: key, mtime: mtime)
    }
}
