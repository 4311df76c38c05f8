import Foundation
import GrafoleanCollector
import Logging
import Metrics

extension NetFlowCollector {
    /// The most earlier windows one run posts when its job missed some (older ones are counted as lost).
    static let maximumCatchUp: Int64 = 10

    /// Lost windows, by window (their flows were dropped before a run could post them).
    static func lostWindowsCounter(_ window: FlowWindow) -> Counter {
        Counter(label: "netflow_windows_lost_total", dimensions: [("window", window.label)])
    }

    /// Posts one account's values of the tile that ended `grace` seconds before the run was due,
    /// after those of earlier tiles that the job's runs missed.
    ///
    /// Runs are missed when the bot is paused or starved: the scheduler skips fires more than a
    /// second late, as the reference does, which suits polling but would lose a window's flows.
    /// Each tile is posted once, at its own end time; overlapping runs never post one twice.
    static func post(_ job: WindowJob, state: NetFlowState, run: JobRun) async {
        let due = Int64(run.scheduledTime.timeIntervalSince1970.rounded())
        let end = job.window.tileEnd(containing: due - Int64(job.grace)) - job.window.seconds
        let seconds = job.window.seconds
        let key = NetFlowState.PostedWindow(account: job.account, seconds: seconds)
        // The ends are claimed under the locks (aggregator first, as everywhere).
        let (ends, skipped) = state.aggregator.withLock { aggregator in
            state.postedThrough.withLock { posted -> ([Int64], Int64) in
                // The first full tile starts at the first boundary from the start of coverage; before
                // its job's first post, everything before the partial tile counts as posted.
                let firstFullStart = aggregator.coverageStart.map { job.window.tileEnd(containing: $0 - 1) }
                guard let last = posted[key] ?? aggregator.reportedThrough[seconds] ?? firstFullStart.map({ $0 - seconds }) else {
                    posted[key] = end
                    return ([end], 0)
                }
                guard end > last else { return ([], 0) }  // posted by an overlapping or repeated run
                posted[key] = end
                // Tiles that ended before coverage began (a restart after a long stop) are not
                // candidates: only the one partial tile is consumed, with one line saying so.
                let first = max(last + seconds, end - maximumCatchUp * seconds, firstFullStart ?? .min)
                // Full windows missed beyond the catch-up's reach are lost.
                let lostFrom = max(last + seconds, (firstFullStart ?? .min) + seconds)
                return (Array(stride(from: first, through: end, by: Int(seconds))), max(0, (first - lostFrom) / seconds))
            }
        }
        var lost: [Int64] = []
        for tileEnd in ends where !(await postTile(job, endingAt: tileEnd, state: state, run: run)) {
            lost.append(tileEnd)
        }
        if skipped > 0 || !lost.isEmpty {
            lostWindowsCounter(job.window).increment(by: Int(skipped) + lost.count)
            run.logger.warning(
                "lost \(Int(skipped) + lost.count) \(job.window.label) window(s) before the one ending \(Date(timeIntervalSince1970: Double(end))): the bot was paused or starved for longer than a window, and their flows were dropped unposted",
                metadata: ["account": "\(job.account)", "lost_ends": "\(lost)"])
        }
    }

    /// Posts one account's values of the tile of `job.window` ending at `end`; false when the tile
    /// was dropped before (its flows are lost), true otherwise, also when there is nothing to post yet.
    static func postTile(_ job: WindowJob, endingAt end: Int64, state: NetFlowState, run: JobRun) async -> Bool {
        // Only entities mapped for the whole window: one enabled during it lacks the flows before.
        let since = state.mappedSince.withLock { $0 ?? [:] }
        var complete = ExporterMap()
        var late: [Int] = []
        for entity in state.exporters.withLock({ $0.entities(inAccount: job.account) }) {
            if since[ExporterMap.Target(account: job.account, entity: entity)] ?? .min <= end - job.window.seconds {
                complete.addEntity(account: job.account, entity: entity)
            } else {
                late.append(entity)
            }
        }
        let (partial, values) = state.aggregator.withLock { aggregator -> (Bool, [FlowValue]?) in
            let partial = aggregator.isPartial(window: job.window, endingAt: end)
            guard partial || aggregator.canReport(window: job.window, endingAt: end) else { return (false, nil) }
            // A partial tile is consumed too: its flows are never posted.
            return (partial, aggregator.values(account: job.account, window: job.window, endingAt: end, exporters: complete))
        }
        let endTime = Date(timeIntervalSince1970: Double(end))
        guard !partial else {
            run.logger.info(
                "not posting the \(job.window.label) window ending \(endTime): the bot started during it",
                metadata: ["account": "\(job.account)"])
            return true
        }
        guard let values else { return false }
        if !late.isEmpty {
            run.logger.info(
                "not posting entities \(late) in the \(job.window.label) window ending \(endTime): NetFlow was enabled on them during it",
                metadata: ["account": "\(job.account)"])
        }
        let measured = values.map { MeasuredValue(path: $0.path, value: $0.value, time: endTime) }
        await run.send(measured, account: job.account, preservingTime: true)
        run.logger.debug("posted a window", metadata: ["account": "\(job.account)", "window": "\(job.window.label)", "values": "\(measured.count)"])
        return true
    }
}
