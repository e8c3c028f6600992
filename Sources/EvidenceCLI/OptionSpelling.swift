import EvidenceKit

extension ActionOption {
    /// How the command line spells the option.
    var flag: String {
        switch self {
        case .records: return "--records"
        case .ledger: return "--ledger"
        case .stuckQueuedMinutes: return "--stuck-queued-minutes"
        case .stuckRunningMinutes: return "--stuck-running-minutes"
        case .templates: return "--templates"
        case .out: return "--out"
        case .force: return "--force"
        case .compression: return "--compression"
        case .signKey: return "--sign-key"
        case .key: return "--key"
        }
    }
}

extension InputError {
    /// The message a user sees: the engine's options spelled as the command line spells them.
    var message: String { message(spelling: \.flag) }
}
