// The Swift counterpart of the reference library's README example: a bot for a fictional
// protocol `myprotocol`. It is compiled with the package so that it cannot rot.
//
// It also shows a bot service: `ReadingSource` stands for a long-lived connection or listener
// that the jobs read from. The runtime starts it before the jobs and stops it after them.
import ArgumentParser
import GrafoleanCollector
import Logging
import ServiceLifecycle
import Synchronization

/// One job per sensor of each entity; the job's parameters are what the run needs.
struct MyProtocolCollector: Collector {
    let protocolName = "myprotocol"
    let source = ReadingSource()

    struct Parameters: Hashable, Sendable {
        var configuration: JobConfiguration
        var sensor: SensorConfiguration
    }

    func jobs(context: JobsContext) async throws -> [CollectorJob] {
        try await context.jobConfigurations().flatMap { configuration in
            configuration.sensors.compactMap { sensor -> CollectorJob? in
                guard let interval = sensor.interval else { return nil }
                let parameters = Parameters(configuration: configuration, sensor: sensor)
                let source = self.source
                return CollectorJob(
                    id: "\(configuration.entityID)-\(sensor.sensorID)", intervals: [interval], entityID: configuration.entityID,
                    entityName: configuration.name, parameters: parameters
                ) { run in
                    try await Self.collect(parameters, from: source, run: run)
                }
            }
        }
    }

    func services(context: ServicesContext) -> [any Service] {
        [source]
    }

    /// Reads the latest value (a real bot would ask the device) and hands it to the sender.
    static func collect(_ parameters: Parameters, from source: ReadingSource, run: JobRun) async throws {
        let entity = parameters.configuration.entityID
        let value = source.latest
        run.logger.debug("collected", metadata: ["value": "\(value)", "scheduled": "\(Int64(run.scheduledTime.timeIntervalSince1970))"])
        await run.send(
            ["entity.\(entity).myprotocol.sensor\(parameters.sensor.sensorID)": value],
            account: parameters.configuration.accountID)
    }
}

/// A long-lived source of readings that the jobs share (here: a random walk, updated every 100 ms).
final class ReadingSource: Service, Sendable {
    private let reading = Mutex<Double>(50)
    private let logger = Logger(label: "myprotocol.source")

    var latest: Double { reading.withLock { $0 } }

    func run() async throws {
        logger.info("reading source started")
        // Returns when the bot shuts down, after its jobs have stopped.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                self.reading.withLock { $0 = min(100, max(0, $0 + Double.random(in: -5...5))) }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        logger.info("reading source stopped")
    }
}

@main
struct MyProtocolBot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "A Grafolean bot for the fictional protocol 'myprotocol'.")

    @OptionGroup var collector: CollectorOptions

    func run() async throws {
        try await collector.run(MyProtocolCollector())
    }
}
