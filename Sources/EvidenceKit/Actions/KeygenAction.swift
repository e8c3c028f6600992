#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `evpack keygen --out NAME`: a new Ed25519 key pair, `NAME.key` (private, mode 0600) and `NAME.pub`.
public struct KeygenAction: Sendable {
    /// The path and base name of the pair, without `.key`/`.pub`.
    public var out: String

    public init(out: String) {
        self.out = out
    }

    /// What was written.
    public struct Result: Sendable {
        public var privateKeyPath: String
        public var publicKeyPath: String
        public var keyID: String
    }

    /// Writes both files, each whole or not at all; refuses to overwrite either.
    public func perform() throws(InputError) -> Result {
        guard !out.isEmpty, !out.hasSuffix("/") else {
            throw .badOption([.out], message: "'\(out)' names no file: give a path and base name, e.g. \(ActionOption.out) keys/release")
        }
        let privatePath = out + ".key", publicPath = out + ".pub"
        for path in [privatePath, publicPath] where access(path, F_OK) == 0 {
            throw .badOption([.out], message: "\(path) already exists; refusing to overwrite it (choose another name or move it away)")
        }
        let key = SigningKey.generate()
        do {
            try FileWriter.write(Array(key.pem.utf8), to: privatePath, mode: 0o600, exclusive: true)
        } catch {
            throw .badOption([.out], message: "\(error.description)")
        }
        do {
            try FileWriter.write(Array(key.publicKey.pem.utf8), to: publicPath, mode: 0o644, exclusive: true)
        } catch {
            unlink(privatePath)
            throw .badOption([.out], message: "\(error.description)")
        }
        return Result(privateKeyPath: privatePath, publicKeyPath: publicPath, keyID: key.publicKey.keyID)
    }
}
