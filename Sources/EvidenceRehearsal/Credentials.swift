import EvidenceKit

/// Where the target's password comes from (SPEC §9): never from a URL, a file or an argument.
public enum Credentials {
    /// The password: the snapshot's `credentials_ref` when it is `env://NAME`, else `PGPASSWORD`.
    ///
    /// A `vault://` or `secret://` reference is resolved by whoever runs evpack (a CI job injects
    /// the secret as `PGPASSWORD`); with nothing to read, a usage error names the reference.
    public static func password(credentialsRef: String?, environment: [String: String]) throws(InputError) -> String {
        func fail(_ message: String) -> InputError { .invalidOption(name: "credentials_ref", message: message) }
        if let reference = credentialsRef, reference.hasPrefix("env://") {
            let name = String(reference.dropFirst("env://".count))
            guard let value = environment[name] else {
                throw fail("\(reference) cannot be resolved: \(name) is not set in the environment")
            }
            return value
        }
        if let value = environment["PGPASSWORD"] { return value }
        if let reference = credentialsRef {
            throw fail("\(reference) is resolved by whoever runs evpack: inject that secret as PGPASSWORD (evpack reads no secret store)")
        }
        throw .invalidOption(
            name: "PGPASSWORD",
            message: "no password for the target: set PGPASSWORD, or credentials_ref env://NAME in the snapshot"
        )
    }
}
