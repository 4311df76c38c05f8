/// How a child process ended, from its raw `waitpid` status.
package struct ProcessTermination: Sendable, Hashable, CustomStringConvertible {
    /// The raw status `waitpid` returned.
    package let raw: Int32

    /// Wraps a raw `waitpid` status.
    package init(raw: Int32) {
        self.raw = raw
    }

    /// The exit code of a process that exited by itself; `nil` if a signal killed it.
    package var exitCode: Int32? { signal == nil ? (raw >> 8) & 0xFF : nil }

    /// The signal that killed the process; `nil` if it exited by itself.
    package var signal: Int32? {
        let number = raw & 0x7F
        return number == 0 ? nil : number
    }

    /// Whether the process exited with 0.
    package var isSuccess: Bool { exitCode == 0 }

    /// The status as a shell reports it: the exit code, or 128 + the signal.
    package var shellStatus: Int32 { exitCode ?? 128 + (signal ?? 0) }

    /// `exit code 1` or `signal 9`.
    package var description: String { signal.map { "signal \($0)" } ?? "exit code \(exitCode ?? 0)" }
}
