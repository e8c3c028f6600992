/// A point in time, to the nanosecond, read from RFC 3339 text.
///
/// Times are compared as instants, never as strings; the engine never reads the clock, so
/// every instant comes from an input (`captured_at`, `--as-of`, a record).
public struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// Nanoseconds within the second, 0 ..< 1_000_000_000.
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    public func adding(seconds delta: Int64) -> Instant {
        Instant(seconds: seconds + delta, nanoseconds: nanoseconds)
    }

    /// Whole seconds from `other` to `self` (rounded toward negative infinity).
    public func seconds(since other: Instant) -> Int64 {
        var delta = seconds - other.seconds
        if nanoseconds < other.nanoseconds { delta -= 1 }
        return delta
    }

    /// UTC RFC 3339 text: `2026-11-20T09:00:00Z`, with a fraction only when there is one.
    public var description: String { rfc3339 }

    public var rfc3339: String {
        let days = Int64(floorDivide(seconds, 86_400))
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = Instant.civil(fromDays: days)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        text += pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if nanoseconds > 0 {
            var fraction = pad(Int(nanoseconds), 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    /// The calendar day of this instant in UTC as `YYYY-MM-DD`.
    public var utcDay: String {
        let (year, month, day) = Instant.civil(fromDays: floorDivide(seconds, 86_400))
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    // MARK: - parsing

    /// Reads RFC 3339 text with `T` and an offset (`Z` or `±hh:mm`); nil when it is not one.
    public init?(rfc3339 text: String) {
        var text = text
        let parsed: Instant? = text.withUTF8 { Instant.parse($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Reads RFC 3339 from UTF-8 bytes.
    public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Instant? {
        if case .success(let instant) = read(b) { return instant }
        return nil
    }

    /// Why a text is not a time, as messages say it.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// Not the shape `YYYY-MM-DDTHH:MM:SS[.f](Z|±HH:MM)`, or a field out of its range.
        case notRFC3339
        /// Year 0000: RFC 3339 (and XML Schema's dateTime as packs use it) start at 0001.
        case yearZero
        /// A well-formed date that the calendar does not have, e.g. `2026-02-30`.
        case noSuchDate(String)

        public var description: String {
            switch self {
            case .notRFC3339: return "not an RFC 3339 time with 'T' and an offset (e.g. 2026-11-20T09:00:00Z)"
            case .yearZero: return "year 0000 is out of range: years run from 0001 to 9999"
            case .noSuchDate(let date): return "the date \(date) does not exist"
            }
        }
    }

    /// 0001-01-01T00:00:00Z, the first instant a time may name.
    static let firstSecond: Int64 = -62_135_596_800

    /// The problem of a text that is not a time; nil when it is one.
    public static func problem(_ text: String) -> Problem? {
        var text = text
        return text.withUTF8 { bytes in
            if case .failure(let problem) = read(bytes) { return problem }
            return nil
        }
    }

    /// The problem of UTF-8 bytes that are not a time; nil when they are one.
    public static func problem(_ bytes: UnsafeBufferPointer<UInt8>) -> Problem? {
        if case .failure(let problem) = read(bytes) { return problem }
        return nil
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM)`; `T` and `Z` may be lower case (RFC 3339
    /// §5.6), years run from 0001 to 9999.
    static func read(_ b: UnsafeBufferPointer<UInt8>) -> Result<Instant, Problem> {
        guard b.count >= 20 else { return .failure(.notRFC3339) }
        func digits(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for i in start..<(start + count) {
                let d = Int(b[i]) - 48
                guard d >= 0, d <= 9 else { return nil }
                value = value * 10 + d
            }
            return value
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"), let hour = digits(11, 2),
              b[13] == UInt8(ascii: ":"), let minute = digits(14, 2), b[16] == UInt8(ascii: ":"), let second = digits(17, 2)
        else { return .failure(.notRFC3339) }
        guard month >= 1, month <= 12, day >= 1, day <= 31, hour <= 23, minute <= 59, second <= 59 else {
            return .failure(.notRFC3339)
        }
        var i = 19
        var nanos = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if count < 9 { nanos = nanos * 10 + Int(b[i] - 48) }
                count += 1
                i += 1
            }
            guard count > 0 else { return .failure(.notRFC3339) }
            if count < 9 { for _ in count..<9 { nanos *= 10 } }
        }
        guard i < b.count else { return .failure(.notRFC3339) }
        var offsetSeconds = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard i + 6 <= b.count, let oh = digits(i + 1, 2), b[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2),
                  oh <= 23, om <= 59
            else { return .failure(.notRFC3339) }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return .failure(.notRFC3339)
        }
        guard i == b.count else { return .failure(.notRFC3339) }
        guard year >= 1 else { return .failure(.yearZero) }
        guard day <= daysIn(month: month, year: year) else {
            return .failure(.noSuchDate(String(decoding: UnsafeBufferPointer(rebasing: b[0..<10]), as: UTF8.self)))
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        // 0001-01-01T00:00:00+01:00 would be year 0000 in UTC, as packs write it.
        guard seconds >= Instant.firstSecond else { return .failure(.yearZero) }
        return .success(Instant(seconds: seconds, nanoseconds: Int32(nanos)))
    }

    // MARK: - calendar arithmetic (proleptic Gregorian, Howard Hinnant's algorithms)

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a civil date.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDivide(y, 400)
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day number (days since 1970-01-01).
    public static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }
}

@inline(__always) func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}
