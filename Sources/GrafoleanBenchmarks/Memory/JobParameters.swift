/// A job's parameters, as a bot would use for change detection.
struct JobParameters: Hashable, Sendable {
    var entity: Int
    var interval: Int
}
