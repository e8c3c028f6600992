/// `evpack summary PACK`: the Markdown summary of a pack (SPEC §10), from its
/// `data/evidence.xml` once the pack passes archive safety and BagIt validity (the checks of
/// `evpack verify`, run by `PackVerifier`; no replay).
public struct SummaryAction: Sendable {
    /// A pack folder or archive.
    public var packPath: String
    public var limits: VerifyLimits

    public init(packPath: String, limits: VerifyLimits = VerifyLimits()) {
        self.packPath = packPath
        self.limits = limits
    }

    /// A pack that cannot be summarised: what failed, file and reason.
    public struct Refused: Error, Sendable {
        public var failures: [VerifyFailure]
    }

    /// The summary; a missing pack is an input error, a pack that is unsafe, not a valid bag
    /// or without a readable `evidence.xml` is `Refused`.
    public func perform() throws -> String {
        let checked: (report: VerifyReport, evidenceXML: [UInt8]?)
        do {
            checked = try PackVerifier.checkedEvidence(packPath, limits: limits)
        } catch {
            throw InputError(error)
        }
        let failures = checked.report.steps.filter { $0.step == .safety || $0.step == .bagit }.flatMap(\.failures)
        guard failures.isEmpty else { throw Refused(failures: failures) }
        guard let xml = checked.evidenceXML else {
            throw Refused(failures: [VerifyFailure(.bagit, ReplayInput.evidencePath, "missing: the pack records no results")])
        }
        let report: EvidenceReport
        do {
            report = try EvidenceXML.read(xml)
        } catch {
            throw Refused(failures: [VerifyFailure(.bagit, ReplayInput.evidencePath, "cannot be read: \(error)")])
        }
        return MarkdownSummary.render(report, packName: Self.lastPathComponent(packPath))
    }

    /// The file or folder name at the end of `path`.
    static func lastPathComponent(_ path: String) -> String {
        var path = Substring(path)
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return String(path.split(separator: "/").last ?? path)
    }
}
