import Crypto

/// SHA-256 digests as the pack writes them: 64 lowercase hex digits, or `bfg-` + the first 8.
public enum Checksum {
    /// The lowercase hex SHA-256 of `bytes`.
    public static func sha256Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        hex(SHA256.hash(data: Array(bytes)))
    }

    /// The lowercase hex form of a digest.
    public static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `bfg-` + the first 8 hex digits of a 64-digit checksum.
    public static func short(_ hex: String) -> String {
        "bfg-" + hex.prefix(8)
    }

    /// The short checksum of some bytes (a packet's own checksum).
    public static func shortSHA256<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        short(sha256Hex(bytes))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
