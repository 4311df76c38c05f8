import Foundation
import Logging

/// What one run of a job gets: why it runs, a logger and the sender.
public struct JobRun: Sendable {
    /// The job's id.
    public let jobID: String
    /// The intervals that fired for this run, ascending (several when they coincide).
    public let firedIntervals: [Int]
    /// When the run was due (a whole second on the job's grid).
    public let scheduledTime: Date
    /// A logger with the job's metadata (`job`).
    public let logger: Logger
    /// The bot's shared sender.
    public let sender: ValueSender
    /// The clock to read measurement times from.
    public let clock: any CollectorClock

    /// Creates a run context.
    public init(jobID: String, firedIntervals: [Int], scheduledTime: Date, logger: Logger, sender: ValueSender, clock: any CollectorClock) {
        self.jobID = jobID
        self.firedIntervals = firedIntervals
        self.scheduledTime = scheduledTime
        self.logger = logger
        self.sender = sender
        self.clock = clock
    }

    /// Whether `interval` fired for this run.
    public func fired(_ interval: Int?) -> Bool {
        guard let interval else { return false }
        return firedIntervals.contains(interval)
    }

    /// Hands values to the sender (checked, queued; returns at once).
    @discardableResult
    public func send(_ values: [MeasuredValue], account: Int) async -> ValueSender.Submission {
        await sender.send(values, account: account)
    }

    /// Hands values measured now, as path → number, to the sender.
    @discardableResult
    public func send(_ values: [String: Double], account: Int) async -> ValueSender.Submission {
        await sender.send(values, account: account, time: clock.now)
    }
}
