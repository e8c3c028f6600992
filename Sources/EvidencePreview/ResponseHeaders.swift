#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HTTPTypes
import Hummingbird

/// The headers of the preview's responses, worked out once per pack file rather than per request.
enum ResponseHeaders {
    /// Content types beyond Hummingbird's table, and text types with their charset: the packets
    /// (`.env`, `.sql`) and the records (`.jsonl`) are text to read, not files to download.
    static let mediaTypes: [String: MediaType] = {
        let text = MediaType(type: .text, subType: "plain", parameter: ("charset", "utf-8"))
        return [
            "html": MediaType(type: .text, subType: "html", parameter: ("charset", "utf-8")),
            "css": MediaType(type: .text, subType: "css", parameter: ("charset", "utf-8")),
            "txt": text, "env": text, "sql": text, "jsonl": text,
            "json": MediaType(type: .application, subType: "json"),
            "xml": MediaType(type: .application, subType: "xml"),
            "xsd": MediaType(type: .application, subType: "xml"),
        ]
    }()

    /// The Content-Type for a path, as `FileMiddleware` picks it (the text after the path's last
    /// `.`, ours first, then Hummingbird's table); `application/octet-stream` when neither knows it.
    static func contentType(_ path: String) -> String {
        guard let dot = path.lastIndex(of: ".") else { return "application/octet-stream" }
        let ext = String(path[path.index(after: dot)...])
        return (mediaTypes[ext] ?? MediaType.getMediaType(forExtension: ext))?.description ?? "application/octet-stream"
    }

    /// The headers of a `200 OK` for a whole pack file: what `FileMiddleware` sends for it, with
    /// the manifest's ETag and the preview's security headers. Used for files held in memory.
    static func whole(path: String, size: Int, etag: String, lastModified: String) -> HTTPFields {
        var fields = HTTPFields()
        fields[.contentLength] = String(size)
        fields[.lastModified] = lastModified
        fields[.eTag] = etag
        fields[.acceptRanges] = "bytes"
        fields[.contentType] = contentType(path)
        PreviewHeaders.apply(to: &fields)
        return fields
    }

    /// An HTTP date (RFC 9110 IMF-fixdate) of the whole seconds of `date`: `Sun, 22 Nov 2026 18:17:00 GMT`.
    static func httpDate(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
