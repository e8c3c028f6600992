import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// Invariants that hold for any snapshot: random combinations of the edits of the check
/// table applied to ready.json, several hundred times.
@Suite struct CheckPropertyTests {
    static let totals: [FamilyID: Int] = [
        .connection: 4, .dryRun: 5, .board: 7, .infrastructure: 4, .release: 5, .rollback: 4, .preflight: 5,
        .runbook: 6, .cutover: 5, .wiring: 7, .operations: 6, .integration: 9, .rehearsals: 6,
    ]

    /// Statuses a family may use for a check that is not ready.
    static let notReadyStatuses: [FamilyID: Set<CheckStatus>] = [
        .connection: [.next], .dryRun: [.next], .board: [.next], .infrastructure: [.next], .rehearsals: [.next],
        .release: [.next, .blocked], .rollback: [.next, .blocked], .preflight: [.next, .blocked],
        .runbook: [.next], .cutover: [.next], .wiring: [.blocked], .operations: [.review, .blocked], .integration: [.review],
    ]

    static func variants(count: Int) -> [(JSONValue, Bool)] {
        var generator = SplitMix64(seed: 20261120)
        let edits = CheckFamilyTests.notReady.filter { $0.name != "no actors" }
        var result: [(JSONValue, Bool)] = []
        for _ in 0..<count {
            var value = Fixtures.json("ready.json")
            let picks = Int(generator.next() % 6)
            for _ in 0..<picks {
                let c = edits[Int(generator.next() % UInt64(edits.count))]
                for (path, replacement) in c.edits { value.setIfPossible(path, replacement) }
            }
            result.append((value, generator.next() % 4 != 0))
        }
        return result
    }

    @Test func invariantsHoldForRandomSnapshots() throws {
        for (value, rebind) in Self.variants(count: 400) {
            let evaluation = try Fixtures.evaluate(value, rebind: rebind)
            try checkInvariants(evaluation)
            // Determinism: the same input gives the same report.
            let again = try Fixtures.evaluate(value, rebind: rebind)
            #expect(JSONWriter.pretty(CheckReport.json(again)) == JSONWriter.pretty(CheckReport.json(evaluation)))
        }
    }

    func checkInvariants(_ e: Evaluation) throws {
        let f = Dictionary(uniqueKeysWithValues: e.families.map { ($0.id, $0) })
        for family in e.families {
            #expect(family.total == Self.totals[family.id])
            #expect(family.ready == family.checks.filter { $0.status == .ready }.count)
            #expect(Set(family.checks.map(\.id)).count == family.total, "check ids are unique")
            for check in family.checks where !check.isReady {
                #expect(Self.notReadyStatuses[family.id]!.contains(check.status), "\(family.id).\(check.id) \(check.status)")
            }
            if let success = family.successDecision {
                #expect((family.decision == success) == family.isComplete, "\(family.id) \(family.decision ?? "") \(family.count)")
            }
        }
        // Production: GO iff every family is complete; otherwise the first failing decision.
        #expect(e.production.isGo == e.families.allSatisfy(\.isComplete))
        if !e.production.isGo, let blocking = e.production.blockingFamily, ProductionDecision.blockingOrder.contains(blocking) {
            #expect(f[blocking]?.decision == e.production.blocking)
            for earlier in ProductionDecision.blockingOrder.prefix(while: { $0 != blocking }) {
                if let family = f[earlier] { #expect(family.decision == family.successDecision) }
            }
        }
        // Decisions follow their inputs.
        let release = f[.release]!, rollback = f[.rollback]!, dryRun = f[.dryRun]!, connection = f[.connection]!
        if release.decision == "GO" {
            #expect(dryRun.isComplete && f[.rehearsals]!.isComplete)
        } else {
            #expect(rollback.decision == release.decision)
        }
        if f[.runbook]!.isComplete { #expect(f[.preflight]!.isComplete && rollback.isComplete) }
        if f[.cutover]!.isComplete { #expect(f[.runbook]!.isComplete && connection.isComplete && dryRun.isComplete) }
        if f[.preflight]!.isComplete { #expect(f[.board]!.isComplete && rollback.decision == "GO") }
        if f[.integration]!.isComplete {
            for id in [FamilyID.preflight, .runbook, .connection, .dryRun, .release, .infrastructure, .rollback] {
                #expect(f[id]!.isComplete)
            }
        }
        if f[.wiring]!.ready > 0 { #expect(f[.infrastructure]!.isComplete) }
        if e.snapshot.connection.map({ !$0.binding.matches(e.snapshot.payloadChecksum) }) ?? true { #expect(connection.ready == 0) }
        if e.snapshot.dryRun.map({ !$0.binding.matches(e.snapshot.payloadChecksum) }) ?? true { #expect(dryRun.ready == 0) }
        // Packets carry their own checksum and the counts of the families they summarise.
        for packet in e.packets {
            #expect(packet.checksum == Checksum.shortSHA256(packet.text.utf8))
            #expect(packet.text.hasSuffix("\n"))
        }
        let env = release.packet!.text.split(separator: "\n")
        #expect(env.count == 9)
        #expect(env.last == "BFG_RELEASE_DECISION=\(release.decision!)")
        let preflightLine = f[.preflight]!.packet!.text
        #expect(preflightLine.contains(" dry_run=\(dryRun.count) connection=\(connection.count) "))
        #expect(f[.cutover]!.packet!.text.contains(" steps=\(f[.cutover]!.count) "))
        #expect(f[.runbook]!.packet!.text.contains("-- runbook_decision=\(f[.runbook]!.decision!)\n"))
    }
}

/// The stuck-run thresholds: one range for the command line, the library and options.json.
@Suite struct RunOptionsRangeTests {
    @Test func minutesOutsideTheRangeAreRefusedEverywhere() throws {
        let asOf = Instant(rfc3339: "2026-11-20T09:00:00Z")!
        for minutes in [0, RunOptions.minutesRange.upperBound + 1, Int.max] {
            let inputs = EvaluationInputs(asOf: asOf, stuckQueuedMinutes: minutes)
            #expect(throws: InputError.self, "\(minutes)") {
                try EvaluationPipeline.run(snapshotPath: TestPaths.snapshot("ready.json"), inputs: inputs)
            }
            var json = RunOptions(asOf: asOf).json
            if case .object(var object) = json {
                object["stuck_running_minutes"] = .number(Double(minutes))
                json = .object(object)
            }
            #expect(throws: OptionsError.self, "\(minutes)") { try StrictJSON.decode(RunOptions.self, from: Array(JSONWriter.pretty(json).utf8)) }
        }
        let edge = RunOptions(asOf: asOf, stuckQueuedMinutes: RunOptions.minutesRange.upperBound)
        #expect(try StrictJSON.decode(RunOptions.self, from: Array(JSONWriter.pretty(edge.json).utf8)) == edge)
    }
}
