import HostResolution
import Foundation
import GrafoleanCollector
import Logging
import SNMP

extension SNMPCollector {
    /// One run of a device job: fetch what the due sensors need, compute, send one batch.
    ///
    /// The walks (all columns side by side) and the GETs (merged) go out concurrently. A sensor
    /// whose data could not be fetched gives no value this run; the others still do. If any fetch
    /// failed, the run throws afterwards (the runtime logs it, naming the job) with the SNMP error,
    /// which names the agent and what to check.
    static func poll(_ device: SNMPDevice, client: SNMPClient, options: Options, state: SNMPBotState, run: JobRun) async throws {
        let due = device.sensors.filter { run.fired($0.interval) }
        guard !due.isEmpty else { return }
        try await checkHostResolves(device.target, of: device.label, client: client)
        let started = ContinuousClock.now
        let plan = FetchPlan(due)
        let jobKey = "\(device.entityID)"

        async let walking: Result<ColumnWalk, any Error> = Self.capture {
            guard !plan.walks.isEmpty else { return ColumnWalk(columns: [:], requests: 0) }
            return try await client.walkColumns(
                plan.walks, on: device.target, maxRows: options.maxWalkRows, expectedRows: state.expectedRows(jobKey))
        }
        async let getting: Result<[OID: SNMPValue], any Error> = Self.capture {
            guard !plan.gets.isEmpty else { return [:] }
            let varBinds = try await client.get(plan.gets, from: device.target)
            // Matched by position (the client answers in request order), so an agent that echoes another OID cannot hide a value.
            return Dictionary(zip(plan.gets, varBinds.map(\.value)), uniquingKeysWith: { first, _ in first })
        }
        let (walked, got) = await (walking, getting)
        let time = run.clock.now

        var data = FetchedData()
        var failure: (any Error)?
        var requests = plan.gets.isEmpty ? 0 : (plan.gets.count + options.maxVarBindsPerRequest - 1) / options.maxVarBindsPerRequest
        switch walked {
        case .success(let walk):
            data.columns = walk.columns
            requests += walk.requests
            let longest = walk.columns.values.map(\.rows.count).max() ?? 0
            if longest > 0 { state.recordRows(longest, for: jobKey) }
            for (oid, column) in walk.columns where column.truncated {
                run.logger.warning(
                    "the walk of \(oid) on \(device.label) has more than \(options.maxWalkRows) rows; only the first \(options.maxWalkRows) are used",
                    metadata: ["entity": "\(device.entityID)"])
            }
        case .failure(let error):
            failure = error
        }
        switch got {
        case .success(let values): data.scalars = values
        case .failure(let error): failure = failure ?? error
        }

        var values: [MeasuredValue] = []
        for sensor in due where data.covers(sensor) {
            let output = sensor.evaluate(
                entityID: device.entityID, columns: data.columns ?? [:], scalars: data.scalars ?? [:], rates: state.rates, time: time)
            values += output.values
            report(output, sensor: sensor, device: device, logger: run.logger)
        }
        if !values.isEmpty {
            await run.send(values, account: device.accountID)
        }
        state.polls.increment()
        state.requests.increment(by: requests)
        state.values.increment(by: values.count)
        let elapsed = ContinuousClock.now - started
        state.pollDuration.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        run.logger.debug(
            "polled",
            metadata: [
                "entity": "\(device.entityID)", "sensors": "\(due.count)", "walks": "\(plan.walks.count)", "gets": "\(plan.gets.count)",
                "requests": "\(requests)", "values": "\(values.count)", "duration": "\(elapsed)",
            ])
        if let failure {
            state.failedPolls.increment()
            throw SNMPBotError(code: .pollFailed, message: "polling \(device.label) at \(device.target.endpointDescription) failed: \(failure)")
        }
    }

    /// Fails the run, naming the entity, the field and the name, when the agent's host name does
    /// not resolve (no cached address either): nothing is fetched or sent this run. IP addresses
    /// pass at once; a name's lookup runs off the cooperative pool and is cached (``HostResolver``).
    static func checkHostResolves(_ target: SNMPTarget, of label: String, client: SNMPClient) async throws(SNMPBotError) {
        do {
            _ = try await client.resolver.resolve(target.host)
        } catch {
            throw SNMPBotError(
                code: .invalidEntity,
                message:
                    "host name '\(error.host)' of entity \(label) does not resolve (\(error.message)); nothing is polled or sent for it this run. \(SNMPDevice.acceptedAddresses.prefix(1).uppercased() + SNMPDevice.acceptedAddresses.dropFirst()), and the name must resolve to an address",
                field: "ipv4")
        }
    }

    /// Logs why rows of a sensor gave no value: configuration problems as warnings, arithmetic as notices.
    static func report(_ output: SensorOutput, sensor: SNMPSensor, device: SNMPDevice, logger: Logger) {
        let metadata: Logger.Metadata = ["entity": "\(device.entityID)", "sensor": "\(sensor.id)"]
        let what = "sensor '\(sensor.name)' (\(sensor.id)) of \(device.label)"
        if output.invalidPaths > 0, let example = output.firstInvalidPath {
            logger.warning("\(output.invalidPaths) value(s) of \(what) dropped: the backend would refuse their path, for example \(example)", metadata: metadata)
        }
        if output.duplicatePaths > 0 {
            logger.warning(
                "\(output.duplicatePaths) value(s) of \(what) dropped: several rows give the same path; use {$index} in output_path '\(sensor.outputPath)'",
                metadata: metadata)
        }
        if output.failedEvaluations > 0, let example = output.firstEvaluationError {
            logger.notice("\(output.failedEvaluations) value(s) of \(what) not computed: \(example) (expression '\(sensor.expression)')", metadata: metadata)
        }
        if output.missingInputs > 0 {
            logger.debug(
                "\(output.missingInputs) row(s) of \(what) gave no value: an input had none (first sample of a counter, a counter decrease, text, a missing instance)",
                metadata: metadata)
        }
    }

    /// Runs `body`, capturing its result or error (for concurrent fetches whose failures are handled together).
    static func capture<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
}
