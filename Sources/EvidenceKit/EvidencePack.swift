/// Facts about this build of the tool.
public enum EvidencePack {
    /// The tool version written into packs (`Bag-Software-Agent`, evidence.xml).
    public static let version = "0.1.0"
}
