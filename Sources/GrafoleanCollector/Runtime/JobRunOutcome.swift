/// How one run of a job ended.
public enum JobRunOutcome: Sendable, Hashable {
    /// The work returned.
    case succeeded
    /// The work threw; the message names the error (tokens redacted).
    case failed(String)
    /// The run outlived its timeout and was cancelled.
    case timedOut
    /// The run was cancelled by shutdown.
    case cancelled
}
