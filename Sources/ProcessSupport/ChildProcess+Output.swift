import Foundation

extension ChildProcess {
    /// The path of a product `swift build` or `swift test` built next to the running executable
    /// (the test bundle), such as a bot's executable.
    package static func builtProduct(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Reads `file` (where this process writes) until `condition` holds on its text, the process
    /// exits or `timeout` passes, without holding a thread of the pool; returns the last text read.
    package func output(in file: String, within timeout: Duration, until condition: (String) -> Bool) async -> String {
        let deadline = ContinuousClock.now + timeout
        var text = ""
        while ContinuousClock.now < deadline {
            text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            if condition(text) || !isRunning { return text }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return text
    }

    /// Runs `path` until its standard output satisfies `condition` or `timeout` passes, then sends
    /// `signal` (Ctrl-C by default) and waits up to `grace` for it to exit. Returns its standard
    /// output and error, the standard output as it was when `condition` first held (nil if it never
    /// did before the signal), and its termination (nil if it had to be killed).
    package static func interrupted(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil, within timeout: Duration,
        when condition: (String) -> Bool, signal: Int32 = SIGINT, grace: Duration = .seconds(30)
    ) async throws -> (output: String, errors: String, outputWhenMet: String?, termination: ProcessTermination?) {
        let directory = FileManager.default.temporaryDirectory
        let output = directory.appendingPathComponent("child-output-\(UUID().uuidString)").path
        let errors = directory.appendingPathComponent("child-errors-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: output)
            try? FileManager.default.removeItem(atPath: errors)
        }
        let process = try spawn(path, arguments, environment: environment, output: .file(output), error: .file(errors))
        let seen = await process.output(in: output, within: timeout, until: condition)
        process.send(signal)
        let termination = await process.termination(within: grace)
        if termination == nil { await process.terminate(grace: .zero) }
        func read(_ file: String) -> String { (try? String(contentsOfFile: file, encoding: .utf8)) ?? "" }
        return (read(output), read(errors), condition(seen) ? seen : nil, termination)
    }
}
