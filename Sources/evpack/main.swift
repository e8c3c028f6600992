import EvidenceCLI

await EvidenceCommand.runAndExit()
