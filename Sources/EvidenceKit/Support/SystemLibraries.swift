import CArchive
import CLibXML2

/// Versions of the C libraries the engine links, for `--version` style reports.
public enum SystemLibraries {
    public static var libarchive: String { String(cString: archive_version_string()) }
    public static var libxml2: String { LIBXML_DOTTED_VERSION }
}
