import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// What every rendered pack must satisfy, over every sample snapshot.
@Suite struct RenderTests {
    static let samples = ["demo-local.json", "ready.json", "stale-dry-run.json", "rehearsals-partial.json",
                          "infra-no-credentials.json", "endpoint-secret.json", "xss.json"]

    @Test(arguments: samples)
    func packIsDeterministicAndHoldsNothingOfTheHost(_ name: String) throws {
        let first = try RenderFixtures.data(name)
        let second = try RenderFixtures.data(name)
        defer {
            try? FileManager.default.removeItem(at: first.deletingLastPathComponent())
            try? FileManager.default.removeItem(at: second.deletingLastPathComponent())
        }
        let a = try RenderFixtures.files(first), b = try RenderFixtures.files(second)
        #expect(a.map(\.path) == b.map(\.path))
        for (x, y) in zip(a, b) { #expect(x.bytes == y.bytes, "\(x.path) differs between two builds") }
        let host = ProcessInfo.processInfo.hostName
        let forbidden = [first.path, first.deletingLastPathComponent().path, TestPaths.root.path, NSHomeDirectory(), "/tmp/", "/root"]
            + (host.count > 3 ? [host] : [])
        for file in a {
            let text = String(decoding: file.bytes, as: UTF8.self)
            for needle in forbidden { #expect(!text.contains(needle), "\(file.path) holds \(needle)") }
        }
    }

    @Test(arguments: samples)
    func pagesAreSelfContainedAndStrict(_ name: String) throws {
        let (evaluation, _) = try RenderFixtures.evaluation(name)
        for page in HTMLRenderer(templates: try RenderFixtures.templates()).pages(evaluation) {
            let text = page.text
            #expect(text.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
            #expect(text.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">"))
            #expect(!text.contains("<script"), "\(page.fileName) has a script")
            #expect(text.contains("<h1>"), "\(page.fileName) has no heading")
            #expect(text.contains("@media print"))
        }
    }

    /// The templates never print a value unescaped and never load anything.
    @Test func templatesEscapeEverythingAndLoadNothing() throws {
        let folder = TemplateSet.bundledFolder.appendingPathComponent("html")
        for name in TemplateSet.templateNames.map({ "\($0).mustache" }) + ["style.css"] {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(!text.contains("{{{") && !text.contains("{{&") && !text.contains("{{ &"), "\(name) prints a value unescaped")
            #expect(!text.contains("<script") && !text.contains("<link") && !text.contains("src=") && !text.contains("url("), "\(name) loads something")
            #expect(!text.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("://"), "\(name) holds a URL")
            #expect(!text.contains("@import"))
        }
    }

    /// Python's HTML parser lists every element and attribute of every page of every sample
    /// pack: only the templates' own, no event handler, no source, no link out of the pack.
    @Test(arguments: samples)
    func pagesHoldOnlyTemplateMarkup(_ name: String) throws {
        let data = try RenderFixtures.data(name)
        defer { try? FileManager.default.removeItem(at: data.deletingLastPathComponent()) }
        let pages = try RenderFixtures.files(data).filter { $0.path.hasSuffix(".html") }
        #expect(pages.count == FamilyID.allCases.count + 1)
        let result = try Run.python(Self.markupChecker, pages.map { data.appendingPathComponent($0.path).path })
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty, "unexpected markup:\n\(result.stdout)")
    }

    static let markupChecker = """
        import sys, html.parser
        allowed = {"html","head","meta","title","style","body","a","header","p","span","nav","ul","li","main","h1","h2","h3",
                   "section","ol","strong","table","thead","tbody","tr","th","td","dl","dt","dd","br","footer","pre","code",
                   "figure","figcaption","svg","desc","line","rect","text","details","summary","caption","div"}
        class P(html.parser.HTMLParser):
            def handle_starttag(self, tag, attrs):
                if tag not in allowed: print("element", tag)
                for name, value in attrs:
                    if name.startswith("on") or name in ("src", "srcdoc", "formaction", "action", "background"): print("attribute", name)
                    if name == "href" and not (value.endswith(".html") and "/" not in value or value == "#main"): print("href", value)
                    if name == "style" and not value.startswith("width:"): print("style", value)
            def handle_comment(self, data): print("comment", data)
            def handle_pi(self, data): print("processing instruction", data)
        for path in sys.argv[1:]:
            P().feed(open(path, encoding="utf-8").read())
        """

    /// A snapshot whose free-text fields hold markup and Mustache tags renders them as text.
    @Test func hostileSnapshotRendersInert() throws {
        let data = try RenderFixtures.data("xss.json")
        defer { try? FileManager.default.removeItem(at: data.deletingLastPathComponent()) }
        let pages = try RenderFixtures.files(data).filter { $0.path.hasSuffix(".html") }
        #expect(pages.count == FamilyID.allCases.count + 1)
        let all = pages.map { String(decoding: $0.bytes, as: UTF8.self) }.joined()
        #expect(all.contains("&lt;script&gt;alert(&quot;tenant&quot;)&lt;/script&gt;"))
        #expect(all.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(all.contains("{{mustache}} {{{triple}}} {{&amp;amp}} {{&gt; partial}}"), "Mustache tags from the input must be shown as text")
        #expect(all.contains("BFG_RELEASE_ENVIRONMENT=local-demo&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"))
        #expect(!all.contains("\u{7}"), "control characters are replaced")
    }

    @Test func everyPageHasEveryFamilyInTheNavigationAndOrder() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("demo-local.json")
        let renderer = HTMLRenderer(templates: try RenderFixtures.templates())
        let pages = renderer.pages(evaluation)
        #expect(pages.map(\.fileName) == ["index.html"] + evaluation.families.map { "\($0.id.rawValue).html" })
        let index = pages[0].text
        // Production decision first, then the chain, then the families.
        let decision = try #require(index.range(of: "Production decision"))
        let chain = try #require(index.range(of: "What must happen next"))
        let families = try #require(index.range(of: "Check families"))
        #expect(decision.lowerBound < chain.lowerBound && chain.lowerBound < families.lowerBound)
        #expect(index.contains("Blocked by <a href=\"release.html\">Release handoff</a>: <span class=\"code\">BLOCKED_PENDING_DRY_RUN</span>"))
        for family in evaluation.families {
            #expect(index.contains("<td class=\"num\">\(family.count)</td>"), "\(family.id) N/M missing")
            #expect(index.contains("aria-label=\"\(family.count)\""), "\(family.id) bar missing")
        }
        #expect(index.contains("7b2c7a5b99458ff7803b75272a56dc4124eea8d61a21cd93cd4ef984c9ef888f"))
    }

    @Test func familyPagesShowEveryCheckOwnerAndPacket() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("demo-local.json")
        let renderer = HTMLRenderer(templates: try RenderFixtures.templates())
        for family in evaluation.families {
            let page = renderer.familyPage(family, evaluation).text
            for check in family.checks {
                #expect(page.contains("<span class=\"code\">\(check.id)</span>"))
                #expect(page.contains("<td class=\"detail\">\(check.detail)</td>") || check.detail.contains("<") || check.detail.contains("&"))
            }
            if let packet = family.packet {
                #expect(page.contains(packet.checksum))
                #expect(page.contains("packets/\(packet.fileName)"))
            }
        }
        let runbook = renderer.familyPage(evaluation.family(.runbook)!, evaluation).text
        #expect(runbook.contains("create schema if not exists bfg_flowcontrol;"))
        #expect(runbook.contains("using (tenant_id = current_setting(&#39;bfg.tenant_id&#39;, true));"))
        let rehearsals = renderer.familyPage(evaluation.family(.rehearsals)!, evaluation).text
        #expect(rehearsals.contains("Anna Kowalska (user_md_anna)"))
    }

    @Test func statusIsNeverColourAlone() throws {
        let renderer = HTMLRenderer(templates: try RenderFixtures.templates())
        for status in CheckStatus.allCases {
            let model = renderer.status(status)
            #expect((model["sym"] as? String)?.isEmpty == false)
            #expect((model["text"] as? String)?.isEmpty == false)
        }
        let (evaluation, _) = try RenderFixtures.evaluation("demo-local.json")
        let index = renderer.index(evaluation).text
        #expect(index.contains("<span class=\"status next\"><span class=\"sym\" aria-hidden=\"true\">→</span>"))
        #expect(index.contains("<span class=\"status blocked\"><span class=\"sym\" aria-hidden=\"true\">✕</span>Blocked</span>"))
    }

    @Test func blockingChainFollowsDecisionsToTheirRoot() throws {
        let (demo, _) = try RenderFixtures.evaluation("demo-local.json")
        #expect(BlockingChain(demo)?.families == [.release, .dryRun])
        let open = BlockingChain(demo)!.openChecks(in: EvidenceReport(evaluation: demo))
        #expect(open.first?.family == .dryRun && open.last?.check.id == "owner_evidence")
        let (infra, _) = try RenderFixtures.evaluation("infra-no-credentials.json")
        #expect(BlockingChain(infra)?.families.first == .wiring)
        // Without records only the operations family blocks; with them nothing does.
        let (bare, _) = try RenderFixtures.evaluation("ready.json")
        #expect(BlockingChain(bare)?.families == [.operations])
        let ready = try Fixtures.evaluate(Fixtures.json("ready.json"), rebind: false)
        #expect(BlockingChain(ready) == nil)
    }

    @Test func storedSnapshotRedactsTheEndpointOnly() throws {
        let (secret, bytes) = try RenderFixtures.evaluation("endpoint-secret.json")
        let stored = String(decoding: BuildAction.storedSnapshot(bytes, secret.snapshot), as: UTF8.self)
        #expect(!stored.contains("S3cr3t") && !stored.contains("bfg_admin"))
        #expect(stored.contains(secret.snapshot.connection!.redactedEndpoint!))
        // The payload checksum still holds for the stored document.
        let reread = try SnapshotReader.read(Array(stored.utf8), file: "stored.json")
        #expect(reread.payloadChecksum == secret.snapshot.payloadChecksum)
        let (demo, demoBytes) = try RenderFixtures.evaluation("demo-local.json")
        #expect(BuildAction.storedSnapshot(demoBytes, demo.snapshot) == demoBytes)
    }

    @Test func noSecretFromTheEndpointReachesThePack() throws {
        let data = try RenderFixtures.data("endpoint-secret.json")
        defer { try? FileManager.default.removeItem(at: data.deletingLastPathComponent()) }
        for file in try RenderFixtures.files(data) {
            let text = String(decoding: file.bytes, as: UTF8.self)
            #expect(!text.contains("S3cr3t") && !text.contains("bfg_admin"), "\(file.path) holds a secret")
        }
    }
}

/// The connection and dry-run pages say where their evidence came from (SPEC §9, §5).
@Suite struct RecordedEvidenceRenderTests {
    @Test func pagesShowWhoRecordedTheEvidenceAndItsTranscripts() throws {
        let (snapshot, _) = try InputFile.snapshot(TestPaths.snapshot("ready.json"))
        var rehearsed = snapshot
        rehearsed.connection?.transcript = "connect postgres://db:5432/x\n<script>alert(1)</script> -> 1"
        rehearsed.dryRun?.recordedBy = "user_md_anna"
        let evaluation = Evaluator.evaluate(rehearsed)
        let renderer = HTMLRenderer(templates: try RenderFixtures.templates())
        let connection = renderer.familyPage(try #require(evaluation.family(.connection)), evaluation).text
        #expect(connection.contains("<h2 id=\"recorded-heading\">Recorded evidence</h2>"))
        #expect(connection.contains("Olena Shevchenko (user_accountant_olena)"))
        #expect(connection.contains("2026-11-19T11:20:00Z"))
        #expect(connection.contains("<h3 id=\"transcript-connection\">"))
        #expect(connection.contains("<pre class=\"packet\"><code>connect postgres://db:5432/x\n&lt;script&gt;alert(1)&lt;/script&gt; -&gt; 1</code></pre>"))
        #expect(!connection.contains("<script>"))
        let dryRun = renderer.familyPage(try #require(evaluation.family(.dryRun)), evaluation).text
        #expect(dryRun.contains("Anna Kowalska (user_md_anna)"))
        #expect(dryRun.contains("replay-2026-11-19-01"))
        #expect(dryRun.contains("<code>rollback_checkpoint: ok (replay-2026-11-19-01)</code>"))
        // No evidence, no section.
        let (demo, _) = try RenderFixtures.evaluation("demo-local.json")
        #expect(!renderer.familyPage(try #require(demo.family(.connection)), demo).text.contains("recorded-heading"))
    }
}
