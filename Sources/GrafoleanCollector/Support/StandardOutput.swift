import Foundation

/// Standard output, a line at a time: each line written at once, also when it is a pipe or a file
/// (`--dry-run | jq`, `--demo | tee`, a container's log), where `print` would hold it in a buffer.
@usableFromInline
package enum StandardOutput {
    /// Writes `text` and a newline now.
    @usableFromInline
    package static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
