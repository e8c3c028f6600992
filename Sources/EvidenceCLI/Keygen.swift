import ArgumentParser
import EvidenceKit

/// `evpack keygen`: an Ed25519 key pair for signing packs.
struct Keygen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an Ed25519 key pair for signing packs.",
        discussion: """
            Writes NAME.key, the private key (PKCS #8 PEM, file mode 0600; keep it secret), and \
            NAME.pub, the public key (SubjectPublicKeyInfo PEM) that auditors pass to \
            'evpack verify --key'. Both are the PEM forms openssl and Python's cryptography read. \
            Refuses to overwrite an existing file.
            """
    )

    @Option(name: .customLong("out"), help: ArgumentHelp("Path and base name of the pair: writes NAME.key and NAME.pub.", valueName: "name"))
    var out: String

    func run() async throws {
        let result = try KeygenAction(out: out).perform()
        print("wrote \(result.privateKeyPath) (private key, mode 0600: keep it secret)")
        print("wrote \(result.publicKeyPath) (public key: give it to whoever verifies)")
        print("key id \(result.keyID)")
    }
}
