import Foundation
import Testing
import TestSupport

/// `evpack schema`: the printed schemas are valid and describe the samples.
@Suite struct SchemaCommandTests {
    @Test func jsonSchemasValidateTheSamples() throws {
        let folder = TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for kind in ["snapshot", "records"] {
            let result = try Run.evpack(["schema", kind])
            #expect(result.status == 0)
            try result.stdoutData.write(to: folder.appendingPathComponent("\(kind).json"))
        }
        let program = """
            import json, sys, glob, jsonschema
            folder, snapshots = sys.argv[1], sys.argv[2]
            s = json.load(open(folder + "/snapshot.json")); r = json.load(open(folder + "/records.json"))
            for schema in (s, r): jsonschema.Draft202012Validator.check_schema(schema)
            bad = []
            for f in sorted(glob.glob(snapshots + "/*.json")):
                bad += [f + ": " + e.message for e in jsonschema.Draft202012Validator(s).iter_errors(json.load(open(f)))]
            for f in ["ready-records.jsonl", "records-deploy-violations.jsonl", "records-release-pause.jsonl"]:
                for n, line in enumerate(open(snapshots + "/" + f), 1):
                    bad += [f"{f}:{n}: " + e.message for e in jsonschema.Draft202012Validator(r).iter_errors(json.loads(line))]
            # A wrong enum and a missing field are caught.
            assert list(jsonschema.Draft202012Validator(r).iter_errors({"kind": "run", "id": "r", "type": "t", "status": "sleeping", "workspace_id": "w", "created_at": "2026-11-20T08:00:00Z"}))
            assert list(jsonschema.Draft202012Validator(s).iter_errors({"schema": "BFGScenarioSnapshot.v1"}))
            print("\\n".join(bad))
            """
        let check = try Run.python(program, [folder.path, TestPaths.root.appendingPathComponent("snapshots").path])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(check.stdout)")
    }

    @Test func xmlSchemaIsTheOnePacksHold() throws {
        let result = try Run.evpack(["schema", "xml"])
        #expect(result.status == 0)
        let bundled = try Data(contentsOf: TestPaths.root.appendingPathComponent("templates/schema/evidence-pack.xsd"))
        #expect(result.stdoutData == bundled)
        #expect(try Run.evpack(["schema", "yaml"]).status == 2)
    }
}
