import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// Every label a page shows exists, non-empty, in all three catalogues.
@Suite struct RenderLabelTests {
    static func catalogue(_ language: Language) throws -> LabelCatalogue { try TemplateSet.bundledLabels(language) }

    /// Every check id the engine produces, and every id a family declares.
    static func checkIDs() throws -> [(FamilyID, String)] {
        var ids: [(FamilyID, String)] = []
        var seen = Set<String>()
        for name in RenderTests.samples {
            let (evaluation, _) = try RenderFixtures.evaluation(name)
            for family in evaluation.families {
                for check in family.checks where seen.insert("\(family.id.rawValue).\(check.id)").inserted {
                    ids.append((family.id, check.id))
                }
            }
        }
        for family in Registry.families {
            for id in family.checkIDs where seen.insert("\(family.id.rawValue).\(id)").inserted { ids.append((family.id, id)) }
        }
        return ids
    }

    /// Every decision code a family declares, then the production decision's code for an
    /// incomplete family without a decision.
    static let decisionCodes: [String] = {
        var codes: [String] = []
        for code in Registry.families.flatMap(\.decisionCodes) where !codes.contains(code) { codes.append(code) }
        return codes + Registry.families.filter(\.decisionCodes.isEmpty).map { "BLOCKED_PENDING_" + $0.id.rawValue.uppercased() }
    }()

    @Test func catalogueKeysAreTheSameInEveryLanguage() throws {
        let en = try Self.catalogue(.en)
        for language in Language.allCases {
            let other = try Self.catalogue(language)
            #expect(Set(other.labels.keys) == Set(en.labels.keys),
                    "\(language): missing \(Set(en.labels.keys).subtracting(other.labels.keys).sorted()), extra \(Set(other.labels.keys).subtracting(en.labels.keys).sorted())")
            for (key, text) in other.labels {
                #expect(!text.trimmingCharacters(in: .whitespaces).isEmpty, "\(language) \(key) is empty")
                // Placeholders like {shown} are the same in every language.
                let placeholders = { (s: String) in Set(s.matches(of: /\{[a-z]+\}/).map { String($0.output) }) }
                #expect(placeholders(text) == placeholders(en.labels[key] ?? ""), "\(language) \(key) placeholders differ")
            }
        }
    }

    @Test func everyLabelTheTemplatesUseExists() throws {
        let folder = TemplateSet.bundledFolder.appendingPathComponent("html")
        var used = Set<String>()
        for name in TemplateSet.templateNames {
            let text = try String(contentsOf: folder.appendingPathComponent("\(name).mustache"), encoding: .utf8)
            for match in text.matches(of: /\{\{\s*l\.([A-Za-z0-9_.]+)\s*\}\}/) { used.insert(String(match.output.1)) }
        }
        #expect(used.count > 60)
        for language in Language.allCases {
            let catalogue = try Self.catalogue(language)
            for key in used.sorted() { #expect(catalogue.text(key) != nil, "\(language): templates use l.\(key)") }
        }
    }

    @Test func everyDataLabelExists() throws {
        let ids = try Self.checkIDs()
        #expect(ids.count == 4 + 5 + 7 + 4 + 5 + 4 + 5 + 6 + 5 + 7 + 9 + 6 + 6)
        #expect(Self.decisionCodes.count == 20 + 3)
        for language in Language.allCases {
            let catalogue = try Self.catalogue(language)
            for family in FamilyID.allCases {
                #expect(catalogue.text("family_title.\(family.rawValue)") != nil, "\(language) family_title.\(family.rawValue)")
                #expect(catalogue.text("family_summary.\(family.rawValue)") != nil, "\(language) family_summary.\(family.rawValue)")
            }
            for (family, check) in ids {
                #expect(catalogue.text("check.\(family.rawValue).\(check)") != nil, "\(language) check.\(family.rawValue).\(check)")
            }
            for status in CheckStatus.allCases { #expect(catalogue.text("status.\(status.rawValue)") != nil) }
            for level in HealthLevel.allCases { #expect(catalogue.text("health.\(level.rawValue)") != nil) }
            for code in Self.decisionCodes { #expect(catalogue.text("decision.\(code)") != nil, "\(language) decision.\(code)") }
            for fact in ["batches", "batch_rows", "traffic"] { #expect(catalogue.text("fact.\(fact)") != nil) }
        }
    }

    /// The decisions the samples produce are all among the labelled ones.
    @Test func samplesProduceOnlyLabelledDecisions() throws {
        for name in RenderTests.samples {
            let (evaluation, _) = try RenderFixtures.evaluation(name)
            for code in evaluation.families.compactMap(\.decision) + [evaluation.production.blocking].compactMap({ $0 }) {
                #expect(Self.decisionCodes.contains(code), "\(name): \(code) has no label")
            }
        }
    }

    /// Rendered in each language, no page shows a raw key (what `format` returns on a miss).
    @Test(arguments: Language.allCases)
    func pagesShowNoRawKeys(_ language: Language) throws {
        let (evaluation, _) = try RenderFixtures.evaluation("demo-local.json")
        let withOps = RenderFixtures.withOperations(evaluation, SampleOperations.small)
        let catalogue = try Self.catalogue(language)
        for page in HTMLRenderer(templates: try RenderFixtures.templates(language)).pages(withOps) {
            for key in catalogue.labels.keys where key.contains(".") {
                #expect(!page.text.contains(">\(key)<") && !page.text.contains(" \(key) "), "\(language) \(page.fileName) shows the key \(key)")
            }
        }
    }

    @Test func polishAndUkrainianTakeTheReferenceWording() throws {
        let pl = try Self.catalogue(.pl), uk = try Self.catalogue(.uk)
        #expect(pl.text("check.rehearsals.contracts_frozen") == "Kontrakty zamrożone")
        #expect(pl.text("family_title.cutover") == "Cutover danych")
        #expect(pl.text("status.blocked") == "Zablokowane")
        #expect(uk.text("check.rehearsals.contracts_frozen") == "Контракти зафіксовано")
        #expect(uk.text("status.next") == "Наступне")
        #expect(uk.text("table.decision") == "Рішення")
    }

    /// Labels that may read the same as in English: codes every language shows as they are,
    /// and true cognates. Anything else identical to English was left untranslated.
    static let identicalToEnglish: [Language: Set<String>] = [
        .pl: ["production.go", "production.no_go", "health.ok", "table.status"],
        .uk: ["production.go", "production.no_go", "health.ok"],
    ]

    @Test(arguments: [Language.pl, .uk])
    func everyLabelIsTranslated(_ language: Language) throws {
        let en = try Self.catalogue(.en), other = try Self.catalogue(language)
        let allowed = Self.identicalToEnglish[language] ?? []
        let identical = other.labels.filter { key, text in key != "language" && text == en.labels[key] }.map(\.key).sorted()
        let unexpected = identical.filter { !allowed.contains($0) }
        #expect(unexpected.isEmpty, "\(language): \(unexpected.count) labels read as in English: \(unexpected)")
        #expect(identical.count <= 4, "\(language): \(identical.count) labels identical to English")
        if language == .uk {
            // A Ukrainian label holds Ukrainian words: Latin-only text is English left behind.
            let latinOnly = other.labels.filter { key, text in
                !allowed.contains(key) && !text.unicodeScalars.contains { (0x0400...0x04FF).contains($0.value) }
            }.map(\.key).sorted()
            #expect(latinOnly.isEmpty, "uk labels without a Cyrillic letter: \(latinOnly)")
        }
    }

    /// The rehearsals family is one thing in every language (not "checklist" in one).
    @Test func rehearsalsHaveOneName() throws {
        #expect(try Self.catalogue(.en).text("family_title.rehearsals") == "DB/auth migration rehearsals")
        #expect(try Self.catalogue(.pl).text("family_title.rehearsals") == "Próby migracji DB/auth")
        #expect(try Self.catalogue(.uk).text("family_title.rehearsals") == "Репетиції міграції DB/auth")
    }
}
