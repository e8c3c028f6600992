import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// RFC 8785 canonicalization against the RFC's own examples and Python's `rfc8785`.
@Suite struct CanonicalJSONTests {
    static func canonical(_ text: String) throws -> String {
        CanonicalJSON.string(try JSONParser.parse(Array(text.utf8)))
    }

    /// RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript text.
    static let appendixB: [(UInt64, String)] = [
        (0x0000_0000_0000_0000, "0"),
        (0x8000_0000_0000_0000, "0"),
        (0x0000_0000_0000_0001, "5e-324"),
        (0x8000_0000_0000_0001, "-5e-324"),
        (0x7FEF_FFFF_FFFF_FFFF, "1.7976931348623157e+308"),
        (0xFFEF_FFFF_FFFF_FFFF, "-1.7976931348623157e+308"),
        (0x4340_0000_0000_0000, "9007199254740992"),
        (0xC340_0000_0000_0000, "-9007199254740992"),
        (0x4430_0000_0000_0000, "295147905179352830000"),
        (0x44B5_2D02_C7E1_4AF5, "9.999999999999997e+22"),
        (0x44B5_2D02_C7E1_4AF6, "1e+23"),
        (0x44B5_2D02_C7E1_4AF7, "1.0000000000000001e+23"),
        (0x444B_1AE4_D6E2_EF4E, "999999999999999700000"),
        (0x444B_1AE4_D6E2_EF4F, "999999999999999900000"),
        (0x444B_1AE4_D6E2_EF50, "1e+21"),
        (0x3EB0_C6F7_A0B5_ED8C, "9.999999999999997e-7"),
        (0x3EB0_C6F7_A0B5_ED8D, "0.000001"),
        (0x41B3_DE43_5555_5553, "333333333.3333332"),
        (0x41B3_DE43_5555_5554, "333333333.33333325"),
        (0x41B3_DE43_5555_5555, "333333333.3333333"),
        (0x41B3_DE43_5555_5556, "333333333.3333334"),
        (0x41B3_DE43_5555_5557, "333333333.33333343"),
        (0xBECB_F647_612F_3696, "-0.0000033333333333333333"),
        (0x4314_3FF3_C1CB_0959, "1424953923781206.2"),
    ]

    @Test(arguments: appendixB.indices)
    func numberSerialisation(index: Int) {
        let (bits, expected) = Self.appendixB[index]
        #expect(CanonicalJSON.numberString(Double(bitPattern: bits)) == expected)
    }

    @Test func nonFiniteNumbersAreRejectedByTheParser() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array("1e400".utf8)) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array("-1e999".utf8)) }
    }

    /// RFC 8785 §3.2.2 example: numbers, string escapes and literals.
    @Test func rfcMainExample() throws {
        let input = #"""
            {
              "numbers": [333333333.33333329, 1E30, 4.50,
                          2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        #expect(try Self.canonical(input) == expected)
    }

    /// RFC 8785 §3.2.3 example: property names sorted by UTF-16 code units.
    @Test func propertySortingByUTF16() throws {
        let input = #"""
            {
              "\u20ac": "Euro Sign",
              "\r": "Carriage Return",
              "\ufb33": "Hebrew Letter Dalet With Dagesh",
              "1": "One",
              "\ud83d\ude00": "Emoji: Grinning Face",
              "\u0080": "Control",
              "\u00f6": "Latin Small Letter O With Diaeresis"
            }
            """#
        let canonical = try Self.canonical(input)
        let order = ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign",
                     "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"]
        let positions = order.map { canonical.range(of: $0)!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(canonical.hasPrefix("{\"\\r\":\"Carriage Return\",\"1\":\"One\""))
    }

    @Test func stringEscapes() throws {
        #expect(try Self.canonical(#""\u0000\u001f\b\t\n\f\r\u007f\u2028""#) == "\"\\u0000\\u001f\\b\\t\\n\\f\\r\u{7f}\u{2028}\"")
        #expect(try Self.canonical(#""\/\"\\""#) == #""/\"\\""#)
    }

    @Test func parserRejectsWhatJCSCannotRepresent() {
        for bad in [#"{"a":1,"a":2}"#, #""\ud800""#, #""\udc00x""#, "[1,]", "{\"a\" 1}", "01", "1.", "\"\u{01}\""] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONParser.parse(Array(bad.utf8)) }
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    /// The payload checksum of every sample snapshot equals what Python's `rfc8785` gives.
    @Test(arguments: TestPaths.sampleSnapshots)
    func payloadChecksumMatchesPythonRFC8785(path: String) throws {
        let snapshot = try SnapshotReader.read(Array(try Data(contentsOf: URL(fileURLWithPath: path))), file: path)
        let program = """
            import hashlib, json, sys, rfc8785
            s = json.load(open(sys.argv[1], encoding="utf-8"))
            p = {k: s[k] for k in ["schema", "session", "tenant", "adapter", "actors", "providers", "rows"] if k in s}
            print(hashlib.sha256(rfc8785.dumps(p)).hexdigest())
            """
        let result = try Run.python(program, [path])
        #expect(result.status == 0, "python3 with rfc8785 must be installed (make test installs it): \(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == snapshot.payloadChecksum)
    }

    /// Random doubles and strings serialize exactly as Python's `rfc8785` serializes them.
    @Test func randomValuesMatchPythonRFC8785() throws {
        var generator = SplitMix64(seed: 8785)
        var values: [JSONValue] = []
        for i in 0..<3000 {
            var double: Double
            switch i % 3 {
            case 0: double = Double(bitPattern: generator.next())
            case 1: double = Double(Int64(bitPattern: generator.next()) % 1_000_000_000) / 1000
            default: double = Double(bitPattern: generator.next() & 0x3FFF_FFFF_FFFF_FFFF | 0x3E00_0000_0000_0000)
            }
            if !double.isFinite { double = 0.5 }
            values.append(.number(double))
        }
        for i in 0..<300 {
            let scalars = (0..<8).compactMap { _ in Unicode.Scalar(UInt32(generator.next() % (i % 2 == 0 ? 0x80 : 0x3000))) }
            values.append(.string(String(String.UnicodeScalarView(scalars))))
        }
        let document = JSONValue.array(values)
        let input = Data(CanonicalJSON.bytes(document))
        let program = """
            import json, sys, rfc8785
            sys.stdout.buffer.write(rfc8785.dumps(json.loads(sys.stdin.buffer.read(), parse_int=float)))
            """
        let result = try Run.python(program, stdin: input)
        #expect(result.status == 0, "\(result.stderr)")
        let ours = String(decoding: input, as: UTF8.self).split(separator: ",")
        let theirs = result.stdout.split(separator: ",")
        #expect(ours.count == theirs.count)
        let mismatches = zip(ours, theirs).filter { $0 != $1 }.prefix(5).map { "ours \($0) python \($1)" }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}

/// A small deterministic random generator for property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
