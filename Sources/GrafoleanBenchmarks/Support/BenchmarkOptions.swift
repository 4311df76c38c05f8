import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What every benchmark part is given: how long to run, and where to report progress.
struct BenchmarkOptions: Sendable {
    /// Shorter runs (about 10 s per timed case instead of 60 s), for a quick check.
    var quick: Bool
    /// Overrides the length of the timed cases (scheduler, ping bot, SNMP bot), in seconds.
    var secondsOverride: Double?
    /// The logger handed to the library (warnings and worse are shown).
    var logger: Logger

    /// How long a timed case (scheduler, ping) runs.
    var timedSeconds: Double { secondsOverride ?? (quick ? 10 : 60) }

    /// Prints a progress line at once (standard output may be a pipe, which would buffer it).
    func say(_ text: String) {
        print(text)
        // Flushes every C output stream (`stdout` itself is a global var, not concurrency-safe to name).
        fflush(nil)
    }
}

/// A benchmark part: runs its cases and returns their figures.
protocol BenchmarkPart: Sendable {
    /// The part's name on the command line.
    static var name: String { get }
    /// Runs every case.
    func run(options: BenchmarkOptions) async throws -> [ResultRow]
}
