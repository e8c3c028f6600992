import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// Pages stay small whatever the number of records: lists are cut, totals are exact.
@Suite struct RenderBoundsTests {
    @Test func millionRecordsKeepTheIndexUnderOneMegabyte() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("ready.json")
        let summary = SampleOperations.large(records: 1_000_000, listed: 5_000)
        let withOps = RenderFixtures.withOperations(evaluation, summary)
        let renderer = HTMLRenderer(templates: try RenderFixtures.templates())
        let pages = renderer.pages(withOps)
        let index = try #require(pages.first { $0.fileName == "index.html" })
        let operations = try #require(pages.first { $0.fileName == "operations.html" })
        #expect(index.text.utf8.count < 1_000_000)
        #expect(index.text.utf8.count < 40_000, "the index shows totals only: \(index.text.utf8.count) bytes")
        #expect(operations.text.utf8.count < 1_000_000, "operations.html: \(operations.text.utf8.count) bytes")
        #expect(index.text.contains("<dd>1000000</dd>"), "the exact total is shown")
        #expect(operations.text.contains("Showing 50 of 50000."))
        #expect(operations.text.contains("Showing 50 of 5000."))
        // As many rows as the limit, not as the records.
        #expect(operations.text.components(separatedBy: "<td class=\"code\">run-").count - 1 == 2 * HTMLRenderer.listLimit)

        // A thousand records or a million: the pages differ only in the digits of the totals.
        let small = renderer.pages(RenderFixtures.withOperations(evaluation, SampleOperations.large(records: 1_000, listed: 5_000)))
        let smallIndex = small.first { $0.fileName == "index.html" }!.text.utf8.count
        let smallOperations = small.first { $0.fileName == "operations.html" }!.text.utf8.count
        #expect(abs(index.text.utf8.count - smallIndex) < 200)
        #expect(abs(operations.text.utf8.count - smallOperations) < 1_000)
        print("measured: 1M records → index.html \(index.text.utf8.count) bytes, operations.html \(operations.text.utf8.count) bytes; "
              + "1k records → \(smallIndex), \(smallOperations) bytes")
    }

    @Test func chartsAreInlineSVGWithTextValues() throws {
        let (evaluation, _) = try RenderFixtures.evaluation("ready.json")
        let withOps = RenderFixtures.withOperations(evaluation, SampleOperations.small)
        let page = try #require(HTMLRenderer(templates: try RenderFixtures.templates()).pages(withOps).first { $0.fileName == "operations.html" })
        #expect(page.text.components(separatedBy: "<svg class=\"chart\"").count - 1 == 2)
        #expect(page.text.contains("<title>2026-11-19: 14</title>"))
        #expect(page.text.contains("<title>succeeded: 2</title>"))
        #expect(page.text.contains("&lt;script&gt;alert(&#39;pause&#39;)&lt;/script&gt;"))
    }
}
