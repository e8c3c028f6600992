import Foundation

/// Wall-clock time in a named time zone, from the system's tz database.
public enum LocalTime {
    public static func isKnownTimeZone(_ name: String) -> Bool { TimeZone(identifier: name) != nil }

    /// Minutes since midnight of `HH:MM` (two digits each, no sign), nil when malformed.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.utf8.count == 2 && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
              let h = Int(parts[0]), let m = Int(parts[1]),
              (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 24 * 60
        else { return nil }
        return h * 60 + m
    }

    /// The ISO weekday (1 = Monday … 7 = Sunday) and minutes since local midnight of an instant.
    public static func weekdayAndMinutes(_ instant: Instant, in zone: TimeZone) -> (weekday: Int, minutes: Int) {
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant.seconds))))
        let local = instant.seconds + offset
        let days = floorDivide(local, 86_400)
        let minutes = Int((local - days * 86_400) / 60)
        // 1970-01-01 was a Thursday (ISO 4).
        let weekday = Int(((days % 7) + 7 + 3) % 7) + 1
        return (weekday, minutes)
    }
}

/// Regular expressions that must match a whole string.
public enum WholeMatch {
    /// The expression that matches a whole string against `pattern`; nil when it does not compile.
    public static func regex(_ pattern: String) -> NSRegularExpression? {
        try? NSRegularExpression(pattern: "^(?:\(pattern))$")
    }

    public static func isValid(_ pattern: String) -> Bool {
        regex(pattern) != nil
    }
}
