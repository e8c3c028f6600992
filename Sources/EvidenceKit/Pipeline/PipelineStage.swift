/// One stage of the evidence pipeline: a named step from a typed input to a typed output.
///
/// The stages, in order (in the manner of swift-openapi-generator's `GeneratorPipeline`):
///
/// ```
/// RawInputs ──ReadInputsStage──> EvidenceInputs ──EvaluateStage──> PreparedEvaluation
///   ──ReportStage──> PackReport ──RenderStage──> RenderedPack ──PackStage──> PackResult
/// ```
///
/// `check` runs the first two and prints the evaluation; `build` runs all five; verify's
/// replay reads the pack's recorded inputs (`ReadPackInputsStage`) into the same
/// `EvidenceInputs` and runs `EvaluateStage`, so the evaluation is made in one place. Every
/// stage but the last computes in memory; only `PackStage` writes, and the records (which
/// can be millions of lines) are never held whole: they stay in the ledger and are streamed
/// out of it (`LedgerExport`).
public protocol PipelineStage: Sendable {
    associatedtype Input
    associatedtype Output
    associatedtype Failure: Error
    func run(_ input: Input) throws(Failure) -> Output
}
