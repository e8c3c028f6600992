import Foundation
import Testing
import TestSupport
@testable import EvidenceKit

/// The markup rules the HTML checkers enforce, checked fast on the rendered pages (the checkers
/// themselves run in `EvidenceCLITests.HTMLCheckerTests`).
@Suite struct RenderLayoutTests {
    static func pages(_ language: Language) throws -> [HTMLPage] {
        let (evaluation, _) = try RenderFixtures.evaluation("demo-local.json")
        let withOps = RenderFixtures.withOperations(evaluation, SampleOperations.small)
        return HTMLRenderer(templates: try RenderFixtures.templates(language)).pages(withOps)
    }

    /// `aria-label` is prohibited on `<pre>` (its role is generic): Nu and axe flag it.
    @Test(arguments: Language.allCases)
    func noAriaLabelOnElementsThatCannotBeNamed(_ language: Language) throws {
        for page in try Self.pages(language) {
            for tag in ["pre", "code", "span class=\"fill\"", "td", "p", "div class"] {
                for match in page.text.matches(of: try Regex("<\(tag)[^>]*>")) {
                    let element = String(page.text[match.range])
                    let named = element.contains("aria-label=") && !element.contains("role=")
                    #expect(!named, "\(page.fileName): \(element)")
                }
            }
        }
    }

    /// Every table and packet sits in a box of its own that scrolls sideways when it must, can
    /// be focused from the keyboard, and is a region named by an element of the page.
    @Test(arguments: Language.allCases)
    func tablesAndPacketsScrollInsideFocusableRegions(_ language: Language) throws {
        var boxes = 0
        for page in try Self.pages(language) {
            let text = page.text
            let tables = text.matches(of: /<table[ >]/).count + text.matches(of: /<pre[ >]/).count
            let scrolls = text.matches(of: /<div class="scroll" role="region" tabindex="0" aria-labelledby="([^"]+)">\n?<(table|pre)/)
            #expect(scrolls.count == tables, "\(page.fileName): \(tables) tables and packets, \(scrolls.count) in a scroll region")
            let ids = Set(text.matches(of: /\sid="([^"]+)"/).map { String($0.output.1) })
            for box in scrolls {
                for id in box.output.1.split(separator: " ") {
                    #expect(ids.contains(String(id)), "\(page.fileName): aria-labelledby names \(id), which the page lacks")
                }
            }
            // No id twice on a page (a region would be named by the wrong element).
            let all = text.matches(of: /\sid="([^"]+)"/).map { String($0.output.1) }
            #expect(all.count == Set(all).count, "\(page.fileName): duplicate ids \(all.sorted())")
            boxes += scrolls.count
        }
        #expect(boxes > 20)
    }

    /// Printed, a long table flows on from page 1 (only rows are kept whole) and its header row
    /// repeats; at 390 px, nothing in the stylesheet is wider than the screen.
    @Test func stylesheetPrintsTablesRowByRowAndFitsAPhone() throws {
        let css = try String(contentsOf: TemplateSet.bundledFolder.appendingPathComponent("html/style.css"), encoding: .utf8)
        let print = try #require(css.range(of: "@media print")).upperBound
        let printRules = String(css[print...])
        #expect(printRules.contains("tr, "), "rows keep together in print")
        #expect(printRules.contains("thead { display: table-header-group; }"))
        for rule in printRules.split(separator: "\n") where rule.contains("break-inside: avoid") {
            #expect(!rule.contains("table,") && !rule.contains(".packet"), "a whole table or packet kept on one page leaves pages blank: \(rule)")
        }
        #expect(css.contains(".scroll { max-width: 100%; overflow-x: auto; }"))
        #expect(!css.contains("min-width: 22rem;") && !css.contains("minmax(20rem,"), "fixed minimum widths wider than a phone")
    }
}
