import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The rule behind a check id is in one file: every family file under
/// `Sources/EvidenceKit/Checks/Families` declares its check ids in its `CheckID` enum, each
/// id is declared once, and the registry evaluates exactly the declared ids.
@Suite struct CheckVocabularyTests {
    static let familiesFolder = TestPaths.root.appendingPathComponent("Sources/EvidenceKit/Checks/Families")

    /// One `enum CheckID` block found in a source file.
    struct Declaration {
        var file: String
        var family: FamilyID?
        /// The ids of its `case name = "id"` lines, in source order.
        var ids: [String]
    }

    /// Every `enum CheckID` block of every Swift file under the families folder.
    static func declarations() throws -> [Declaration] {
        // A family with a folder (operations: a file per check) counts its files too.
        let files = try FileManager.default.subpathsOfDirectory(atPath: familiesFolder.path).filter { $0.hasSuffix(".swift") }.sorted()
        #expect(!files.isEmpty)
        var found: [Declaration] = []
        for file in files {
            let text = try String(contentsOf: familiesFolder.appendingPathComponent(file), encoding: .utf8)
            var rest = Substring(text)
            while let start = rest.range(of: "enum CheckID") {
                // The block: from its opening brace to the brace that closes it.
                guard let open = rest[start.upperBound...].firstIndex(of: "{") else { break }
                var depth = 0, index = open
                repeat {
                    if rest[index] == "{" { depth += 1 } else if rest[index] == "}" { depth -= 1 }
                    index = rest.index(after: index)
                } while depth > 0 && index < rest.endIndex
                let block = rest[open..<index]
                var declaration = Declaration(file: file, family: nil, ids: [])
                for line in block.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                    if line.hasPrefix("static let family = FamilyID.") {
                        let name = line.dropFirst("static let family = FamilyID.".count)
                        declaration.family = FamilyID.allCases.first { "\($0)" == name }
                    } else if line.hasPrefix("case "), let quote = line.firstIndex(of: "\""), line.hasSuffix("\"") {
                        declaration.ids.append(String(line[line.index(after: quote)..<line.index(before: line.endIndex)]))
                    }
                }
                found.append(declaration)
                rest = rest[index...]
            }
        }
        return found
    }

    /// Each operations check is a file of its own under `Families/Operations`: the one file that
    /// makes its result (`CheckResult(CheckID.…`), beside the SQL it reads.
    @Test func everyOperationsCheckHasAFileOfItsOwn() throws {
        let folder = Self.familiesFolder.appendingPathComponent("Operations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") && $0 != "Operations.swift" }
        var makers: [String: [String]] = [:]
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for id in OperationsFamily.CheckID.allCases where text.contains("CheckResult(CheckID.\(id)") || text.contains("CheckResult(\n            CheckID.\(id)") {
                makers[id.rawValue, default: []].append(file)
            }
        }
        for id in OperationsFamily.CheckID.allCases {
            #expect(makers[id.rawValue]?.count == 1, "\(id.rawValue): made in \(makers[id.rawValue] ?? [])")
        }
        #expect(files.count == OperationsFamily.CheckID.allCases.count, "\(files.sorted())")
    }

    @Test func everyCheckIDHasExactlyOneDefiningFile() throws {
        let declarations = try Self.declarations()
        for declaration in declarations {
            #expect(declaration.family != nil, "\(declaration.file): its CheckID names no FamilyID")
        }
        // Each family's ids are declared in one file, one `case` line each.
        var files: [String: [String]] = [:]
        for declaration in declarations {
            for id in declaration.ids {
                files["\(declaration.family?.rawValue ?? "?").\(id)", default: []].append(declaration.file)
            }
        }
        var declared = Set<String>()
        for family in Registry.families {
            #expect(declarations.filter { $0.family == family.id }.count == 1, "\(family.id): not one CheckID enum")
            for id in family.checkIDs {
                let key = "\(family.id.rawValue).\(id)"
                declared.insert(key)
                #expect(files[key]?.count == 1, "\(key) is defined in \(files[key] ?? []), not in exactly one file")
            }
            // The source lists the same ids in the same order as the type: every case is
            // written `case name = "id"`, one a line, so the id is found by searching for it.
            let source = declarations.first { $0.family == family.id }?.ids ?? []
            #expect(source == family.checkIDs, "\(family.id): the CheckID enum's cases are not all written `case name = \"id\"`")
        }
        // Nothing under Families declares ids of a family the registry does not run.
        #expect(Set(files.keys).symmetricDifference(declared).isEmpty, "declared under Families but not run, or run but not declared")
    }

    @Test func familyFilesBuildNoCheckFromAStringID() throws {
        for file in try FileManager.default.contentsOfDirectory(atPath: Self.familiesFolder.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: Self.familiesFolder.appendingPathComponent(file), encoding: .utf8)
            #expect(!text.contains("CheckResult(\""), "\(file) names a check by a string literal; use its CheckID")
        }
    }

    @Test func theRegistryRunsEveryFamilyOnce() {
        #expect(Registry.families.map(\.id) == FamilyID.allCases)
    }

    /// The ids every sample evaluates to (with and without records, so both the "no evidence"
    /// and the "evidence" branches run) are exactly the declared ones, in order; the decisions
    /// are among the family's codes.
    @Test func theRegistryEvaluatesExactlyTheDeclaredIDs() throws {
        var evaluations: [Evaluation] = []
        for path in TestPaths.sampleSnapshots {
            let (snapshot, _) = try InputFile.snapshot(path)
            evaluations.append(Evaluator.evaluate(snapshot))
        }
        evaluations.append(try Fixtures.evaluate(Fixtures.json("ready.json")))
        #expect(evaluations.count > 2)
        let declared = Dictionary(uniqueKeysWithValues: Registry.families.map { ($0.id, $0) })
        var decisions: [FamilyID: Set<String>] = [:]
        for evaluation in evaluations {
            #expect(evaluation.families.map(\.id) == Registry.families.map(\.id))
            for family in evaluation.families {
                let spec = try #require(declared[family.id])
                #expect(family.checks.map(\.id) == spec.checkIDs, "\(family.id)")
                if spec.decisionCodes.isEmpty {
                    #expect(family.decision == nil && family.successDecision == nil, "\(family.id)")
                } else {
                    let decision = try #require(family.decision)
                    #expect(spec.decisionCodes.contains(decision), "\(family.id): \(decision)")
                    #expect(family.successDecision.map(spec.decisionCodes.contains) == true, "\(family.id)")
                    decisions[family.id, default: []].insert(decision)
                }
            }
        }
        // The samples reach both a success and a blocking decision of every deciding family.
        for family in Registry.families where !family.decisionCodes.isEmpty {
            #expect((decisions[family.id]?.count ?? 0) >= 2, "\(family.id): \(decisions[family.id] ?? [])")
        }
    }
}
