import Foundation
import Logging

/// What one run of a job gets: why and when it runs, until when it may run, a logger and the sink.
public struct JobRun: Sendable {
    /// The job's id.
    public let jobID: String
    /// The intervals that fired for this run, ascending (several when they coincide).
    public let firedIntervals: [Int]
    /// When the run was due (a whole second on the job's grid).
    public let scheduledTime: Date
    /// How late the run started, in seconds (it waited for a free slot, or the machine was busy).
    public let lateness: Double
    /// When the run will be cancelled if it has not finished (its timeout).
    public let deadline: Date
    /// A logger with the job's metadata (`job`).
    public let logger: Logger
    /// Where the run's values go: the bot's shared ``ValueSender`` in a running bot.
    public let sink: any ValueSink
    /// The clock to read measurement times from.
    public let clock: any CollectorClock

    /// Creates a run context (for running a job's work outside a bot, as tests do).
    public init(
        jobID: String, firedIntervals: [Int], scheduledTime: Date, lateness: Double = 0, deadline: Date,
        logger: Logger, sink: any ValueSink, clock: any CollectorClock
    ) {
        self.jobID = jobID
        self.firedIntervals = firedIntervals
        self.scheduledTime = scheduledTime
        self.lateness = lateness
        self.deadline = deadline
        self.logger = logger
        self.sink = sink
        self.clock = clock
    }

    /// Whether `interval` fired for this run.
    public func fired(_ interval: Int?) -> Bool {
        guard let interval else { return false }
        return firedIntervals.contains(interval)
    }

    /// Hands values to the sink (checked, queued; returns at once). With `preservingTime`, they
    /// are stored at their measured time even when fresh (see ``ValueSink``).
    @discardableResult
    public func send(_ values: [MeasuredValue], account: Int, preservingTime: Bool = false) async -> ValueSubmission {
        await sink.send(values, account: account, preservingTime: preservingTime)
    }

    /// Hands values measured now, as path → number, to the sink.
    @discardableResult
    public func send(_ values: [String: Double], account: Int) async -> ValueSubmission {
        await sink.send(values, account: account, time: clock.now)
    }
}
