/// An option of an engine action, named as data: the front end spells it (the CLI's `--records`),
/// the engine never does.
public enum ActionOption: String, Sendable, Hashable, CaseIterable {
    case records, ledger, stuckQueuedMinutes, stuckRunningMinutes, templates, out, force, compression, signKey, key
}

/// A message that names options as data (`"pass \(ActionOption.force) to replace it"`); the
/// front end spells them when it shows the message.
public struct OptionText: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public enum Part: Sendable, Equatable {
        case text(String)
        case option(ActionOption)
    }

    public var parts: [Part]

    public init(stringLiteral value: String) { parts = [.text(value)] }

    public init(stringInterpolation: StringInterpolation) { parts = stringInterpolation.parts }

    public struct StringInterpolation: StringInterpolationProtocol {
        var parts: [Part] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) { parts.append(.text(literal)) }

        public mutating func appendInterpolation(_ option: ActionOption) { parts.append(.option(option)) }

        public mutating func appendInterpolation<Value>(_ value: Value) { parts.append(.text(String(describing: value))) }
    }

    /// The message with each option spelled by `spelling`.
    public func spelled(_ spelling: (ActionOption) -> String) -> String {
        parts.map { part in
            switch part {
            case .text(let text): return text
            case .option(let option): return spelling(option)
            }
        }.joined()
    }

    /// The message with the options' own names (`records`), for logs; people see `spelled(_:)`.
    public var description: String { spelled(\.rawValue) }
}
