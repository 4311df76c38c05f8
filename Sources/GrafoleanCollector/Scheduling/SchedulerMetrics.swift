import CoreMetrics

/// The scheduler's metrics. Global series only: labelling by job id would create one series per
/// job, too many for thousands of jobs; the logs carry the job id instead.
struct SchedulerMetrics: Sendable {
    let runs: Counter
    let runFailures: Counter
    let runTimeouts: Counter
    let firesSkippedOverlap: Counter
    let firesSkippedClockJump: Counter
    let firesCoalesced: Counter
    let runLateness: Timer
    let runDuration: Timer
    let jobs: Gauge
    let runsInFlight: Gauge

    init(factory: any MetricsFactory) {
        runs = Counter(label: "collector_runs_total", factory: factory)
        runFailures = Counter(label: "collector_run_failures_total", factory: factory)
        runTimeouts = Counter(label: "collector_run_timeouts_total", factory: factory)
        firesSkippedOverlap = Counter(
            label: "collector_fires_skipped_total", dimensions: [("reason", "overlap")], factory: factory)
        firesSkippedClockJump = Counter(
            label: "collector_fires_skipped_total", dimensions: [("reason", "clock_jump")], factory: factory)
        firesCoalesced = Counter(label: "collector_fires_coalesced_total", factory: factory)
        runLateness = Timer(
            label: "collector_run_lateness_seconds", dimensions: [], preferredDisplayUnit: .seconds, factory: factory)
        runDuration = Timer(
            label: "collector_run_duration_seconds", dimensions: [], preferredDisplayUnit: .seconds, factory: factory)
        jobs = Gauge(label: "collector_jobs", factory: factory)
        runsInFlight = Gauge(label: "collector_runs_in_flight", factory: factory)
    }
}
