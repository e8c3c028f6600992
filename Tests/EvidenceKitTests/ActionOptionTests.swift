import Testing
@testable import EvidenceKit

/// The engine's actions name their options as data; only a front end spells them.
@Suite struct ActionOptionTests {
    @Test func anOptionErrorNamesTheOptionAsData() {
        #expect(throws: InputError.self) { try PackSetup(compression: "xz", environment: [:]) }
        do {
            _ = try PackSetup(compression: "xz", environment: [:])
        } catch {
            guard case .badOption(let options, _) = error else { Issue.record("\(error)"); return }
            #expect(options == [.compression])
            #expect(error.message(spelling: { "<\($0.rawValue)>" }) == "<compression>: 'xz' is not one of gzip, zstd, none")
            #expect(!error.description.contains("--"))
        }
    }

    @Test func aMessageSpellsEveryOptionItNames() {
        let text: OptionText = "remove it or pass \(ActionOption.force) (\(3) times) to replace it"
        #expect(text.parts.contains(.option(.force)))
        #expect(text.spelled { "--" + $0.rawValue } == "remove it or pass --force (3 times) to replace it")
        #expect(text.description == "remove it or pass force (3 times) to replace it")
    }

    @Test func keygenRefusesANameThatIsAFolder() {
        do {
            _ = try KeygenAction(out: "keys/").perform()
            Issue.record("no error")
        } catch {
            #expect(error.message(spelling: { "--" + $0.rawValue }) == "--out: 'keys/' names no file: give a path and base name, e.g. --out keys/release")
        }
    }
}
