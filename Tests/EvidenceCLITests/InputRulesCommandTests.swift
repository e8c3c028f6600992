import Foundation
import Testing
import TestSupport

/// SPEC §2 input rules end to end: what `check` accepts, `build` can write.
@Suite struct InputRulesCommandTests {
    static func edited(_ edit: (inout [String: Any]) -> Void, in folder: URL) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.snapshot("ready.json")))
        var root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        edit(&root)
        let url = folder.appendingPathComponent("edited.json")
        try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted]).write(to: url)
        return url.path
    }

    @Test func yearZeroAndImpossibleDatesAreRefusedByCheck() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let zero = try Self.edited({ $0["captured_at"] = "0000-11-20T09:00:00Z" }, in: folder)
        for command in ["check", "build"] {
            let result = try Run.evpack([command, zero, "--out", folder.appendingPathComponent("out").path].prefix(command == "check" ? 2 : 4).map { $0 })
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("captured_at: year 0000 is out of range"), "\(result.stderr)")
        }
        let february = try Self.edited({ root in
            var rollback = root["rollback"] as! [String: Any]
            rollback["owner_ack_at"] = "2026-02-30T10:00:00Z"
            root["rollback"] = rollback
        }, in: folder)
        let result = try Run.evpack(["check", february])
        #expect(result.status == 2 && result.stderr.contains("rollback.owner_ack_at: the date 2026-02-30 does not exist"), "\(result.stderr)")
        let asOf = try Run.evpack(["check", TestPaths.snapshot("ready.json"), "--as-of", "2026-02-30T10:00:00Z"])
        #expect(asOf.status == 2 && asOf.stderr.contains("the date 2026-02-30 does not exist"), "\(asOf.stderr)")
    }

    @Test func lowerCaseTimesAndActorsWithoutRolesBuildAndVerify() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try Self.edited({ root in
            root["captured_at"] = "2026-11-20t09:00:00z"
            var actors = root["actors"] as! [[String: Any]]
            actors[1]["role"] = NSNull()
            actors[2].removeValue(forKey: "role")
            root["actors"] = actors
        }, in: folder)
        let check = try Run.evpack(["check", path, "--format", "json"])
        #expect(check.status == 0, "\(check.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as! [String: Any]
        let families = json["families"] as! [String: [String: Any]]
        let preflight = families["preflight"]!, runbook = families["runbook"]!
        #expect((preflight["checks"] as! [String: String])["rbac_claims"] == "next")
        #expect((runbook["checks"] as! [String: String])["actor_claims"] == "next")
        #expect((preflight["details"] as! [String: String])["rbac_claims"]?.contains("user_dispatcher_marek (no role), user_accountant_olena (no role)") == true)
        let out = folder.appendingPathComponent("out").path
        let build = try Run.evpack(["build", path, "--out", out])
        #expect(build.status == 0, "\(build.stderr)")
        let archive = try #require(try FileManager.default.contentsOfDirectory(atPath: out).first { $0.hasSuffix(".tar.gz") })
        let verify = try Run.evpack(["verify", out + "/" + archive])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
