import EvidenceKit
import Hummingbird

/// The pages across packs the preview serves: `/history` (the page `evpack history` writes)
/// and `/diff/OLD/NEW` (`evpack diff --format html` of two packs of the folder, by their names
/// in it). The names `history` and `diff` are routes, never packs.
extension PreviewMiddleware {
    static var nav: [[String: Any]] { [["href": "/", "title": "All packs", "current": false], ["href": "/history", "title": "History", "current": false]] }

    func historyPage(head: Bool) async -> Response {
        let (folder, limits) = (library.folder, library.limits)
        let history = await Blocking.read { PackHistory.read(folder: folder, budget: Self.budget, limits: limits) }
        let links = AcrossPages.HistoryLinks(
            pack: { ListingPage.href($0.keys[0]) },
            diff: { entry in entry.change.map { Self.diffHref(old: $0.previousKey, new: entry.keys[0]) } })
        return HTMLResponse.make(AcrossPages.history(history, links: links, nav: Self.nav), head: head)
    }

    /// The most bytes of one pack read for a diff or the history: the server's memory stays
    /// bounded (SPEC §7) whatever a pack's evidence.xml holds.
    static var budget: Int64 { 16 << 20 }

    static func diffHref(old: String, new: String) -> String {
        "/diff/\(RequestPath.encode(old))/\(RequestPath.encode(new))"
    }

    /// `path` is `OLD/NEW`: two packs of the folder, each served (safe).
    func diffPage(_ path: String, head: Bool) async -> Response {
        let keys = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard keys.count == 2 else {
            return ErrorPage.response(.notFound, "A diff is at /diff/OLD/NEW, where OLD and NEW name two packs of this folder.", head: head)
        }
        for key in keys {
            guard let pack = await library.pack(key) else {
                return ErrorPage.response(.notFound, "No pack named \(key) in this folder. The list of packs is at /.", head: head)
            }
            guard pack.isServed else {
                return ErrorPage.response(.forbidden, "\(key) is not compared: it fails the safety checks of evpack verify.", head: head)
            }
        }
        let folder = library.folder, limits = library.limits
        let (old, new) = (keys[0], keys[1])
        let result = await Blocking.read { () -> Result<PackDiff, ComparablePack.Failure> in
            Result { () throws(ComparablePack.Failure) in
                PackDiff(old: try ComparablePack.read(folder + "/" + old, budget: Self.budget, limits: limits),
                         new: try ComparablePack.read(folder + "/" + new, budget: Self.budget, limits: limits))
            }
        }
        switch result {
        case .success(let diff):
            let html = AcrossPages.diff(diff, links: (ListingPage.href(old), ListingPage.href(new)), nav: Self.nav)
            return HTMLResponse.make(html, head: head)
        case .failure(let failure):
            // Named by its name in the folder, never by its path on this host.
            let key = failure.pack == folder + "/" + old ? old : new
            return ErrorPage.response(.unprocessableContent, "\(key) cannot be compared: \(failure.summary).", head: head)
        }
    }
}
