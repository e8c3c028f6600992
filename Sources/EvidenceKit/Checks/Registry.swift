/// The check families in the order of SPEC §1, which is also a valid evaluation order: each
/// family reads only the snapshot and the families above it (rehearsals are read from the
/// snapshot by the families that count them). A new family is one file plus one line here.
public enum Registry {
    public static let families: [any CheckFamily] = [
        ConnectionFamily(),
        DryRunFamily(),
        BoardFamily(),
        InfrastructureFamily(),
        ReleaseFamily(),
        RollbackFamily(),
        PreflightFamily(),
        RunbookFamily(),
        CutoverFamily(),
        WiringFamily(),
        OperationsFamily(),
        IntegrationFamily(),
        RehearsalsFamily(),
    ]
}
