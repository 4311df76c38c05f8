// The Swift counterpart of the reference library's README example: a bot for a fictional
// protocol `myprotocol`. It is compiled with the package so that it cannot rot.
import ArgumentParser
import GrafoleanCollector

/// One job per sensor of each entity; the job's parameters are what the run needs.
struct MyProtocolCollector: Collector {
    let protocolName = "myprotocol"

    struct Parameters: Hashable, Sendable {
        var configuration: JobConfiguration
        var sensor: SensorConfiguration
    }

    func jobs(context: JobsContext) async throws -> [CollectorJob] {
        try await context.jobConfigurations().flatMap { configuration in
            configuration.sensors.compactMap { sensor -> CollectorJob? in
                guard let interval = sensor.interval else { return nil }
                let parameters = Parameters(configuration: configuration, sensor: sensor)
                return CollectorJob(id: "\(configuration.entityID)-\(sensor.sensorID)", intervals: [interval], parameters: parameters) { run in
                    try await Self.collect(parameters, run: run)
                }
            }
        }
    }

    /// Fetches the data (here: made up) and hands it to the sender.
    static func collect(_ parameters: Parameters, run: JobRun) async throws {
        let entity = parameters.configuration.entityID
        let value = Double.random(in: 0...100)  // a real bot would ask the device
        run.logger.debug("collected", metadata: ["value": "\(value)"])
        await run.send(
            ["entity.\(entity).myprotocol.sensor\(parameters.sensor.sensorID)": value],
            account: parameters.configuration.accountID)
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
