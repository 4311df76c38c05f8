import Synchronization

/// Passes values on to a sink and counts those it accepted: one per run, for the status page's
/// "values in the last run".
final class CountingSink: ValueSink {
    private let sink: any ValueSink
    private let accepted = Atomic<Int>(0)

    init(_ sink: any ValueSink) {
        self.sink = sink
    }

    /// The values accepted so far.
    var count: Int { accepted.load(ordering: .relaxed) }

    @discardableResult
    func send(_ values: [MeasuredValue], account: Int, preservingTime: Bool) async -> ValueSubmission {
        let submission = await sink.send(values, account: account, preservingTime: preservingTime)
        accepted.add(submission.accepted, ordering: .relaxed)
        return submission
    }
}
