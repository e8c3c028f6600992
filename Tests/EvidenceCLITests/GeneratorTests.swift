import EvidenceKit
import Foundation
import Testing
import TestSupport

/// `evpack-gen`: the same arguments give the same bytes; `--help` explains the options; a bad
/// value exits 2 with a message.
@Suite struct GeneratorTests {
    /// The SHA-256 of what the hand-parsing `evpack-gen` wrote for these arguments.
    @Test(arguments: [
        (["--records", "300", "--seed", "3", "--bad-percent", "20", "--format", "csv"],
         "433be2aa86145eb0ce1375255dcd59ba04355b8e039070874ec8d59be7310a7c"),
        (["--records", "300", "--seed", "3", "--id-prefix", "p-"],
         "1f7643d703b4321880ecc4a9c71d00bb3c041cb6f28524da96604a3b3f380fdb"),
    ])
    func theSameArgumentsGiveTheSameBytes(arguments: [String], sha256: String) throws {
        let result = try Run.process(TestPaths.generator, arguments)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Checksum.sha256Hex(result.stdoutData) == sha256)
    }

    @Test func helpExplainsEveryOption() throws {
        let result = try Run.process(TestPaths.generator, ["--help"])
        #expect(result.status == 0)
        for option in ["--records <N>", "--bad-percent <P>", "--seed <S>", "--format <format>", "--workspaces <N>", "--id-prefix <P>", "--out <FILE>"] {
            #expect(result.stdout.contains("  \(option)"), "\(option)")
        }
    }

    @Test(arguments: [
        (["--format", "xml"], "'xml' is invalid for '--format <format>'"),
        (["--records", "many"], "'many' is invalid for '--records <N>'"),
        (["--workspaces", "0"], "--workspaces takes a whole number from 1 up, not 0"),
        (["--bad-percent", "101"], "--bad-percent takes a number from 0 to 100, not 101.0"),
        (["--bogus"], "Unknown option '--bogus'"),
    ])
    func aBadValueExits2WithAMessage(arguments: [String], message: String) throws {
        let result = try Run.process(TestPaths.generator, arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
