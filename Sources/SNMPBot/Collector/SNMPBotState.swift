import GrafoleanCollector
import Metrics
import Synchronization

/// What the bot keeps between runs, shared by all its jobs: counter samples, notices already
/// logged, table sizes seen, and its metrics. All in memory.
final class SNMPBotState: Sendable {
    /// The counters' previous samples.
    let rates = CounterRates()
    /// Configuration problems and permission advice already logged.
    let notices = NoticeBoard()
    /// The longest walked column of each entity's last run, so the next walk asks for all rows at once.
    private let walkSizes = Mutex<[String: Int]>([:])

    /// Runs of the device jobs.
    let polls = Counter(label: "grafolean_snmp_polls_total")
    /// Runs that failed to fetch (timeouts, authentication errors, …).
    let failedPolls = Counter(label: "grafolean_snmp_polls_failed_total")
    /// SNMP requests sent by the runs (re-sends after a timeout and splits after `tooBig` not counted).
    let requests = Counter(label: "grafolean_snmp_requests_total")
    /// Values handed to the sender.
    let values = Counter(label: "grafolean_snmp_values_total")
    /// Duration of a device run (fetch and compute).
    let pollDuration = Timer(label: "grafolean_snmp_poll_duration")
    /// Interface entities created, updated or deleted.
    let interfaceChanges = Counter(label: "grafolean_snmp_interface_changes_total")

    init() {}

    /// The longest column of the last walk under `key` (a job id), if any.
    func expectedRows(_ key: String) -> Int? {
        walkSizes.withLock { $0[key] }
    }

    /// Remembers the longest column of a walk under `key`.
    func recordRows(_ rows: Int, for key: String) {
        walkSizes.withLock { $0[key] = rows }
    }

    /// Forgets the table sizes of jobs not in `keys`.
    func retainWalkSizes(_ keys: Set<String>) {
        walkSizes.withLock { sizes in sizes = sizes.filter { keys.contains($0.key) } }
    }
}
