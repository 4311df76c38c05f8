import Foundation
import ProcessSupport

#if canImport(Glibc)
import Glibc
#endif

/// nfdump's collector, `nfcapd`, writing what it receives to a directory; flows counted with
/// `nfdump -I` after it stopped (it flushes its file on SIGTERM).
struct NfcapdReceiver: FlowReceiver {
    let name = "nfcapd"
    let port: Int
    let process: ChildProcess
    let directory: URL
    let nfdump: String

    static func start(nfcapd: String, nfdump: String, port: Int, receiveBufferSize: Int, in directory: URL) async throws -> NfcapdReceiver {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // -t 3600: no file rotation during a trial; -B: the same receive buffer as the bot's.
        let process = try ChildProcess.spawn(
            nfcapd,
            ["-w", directory.path, "-b", "127.0.0.1", "-p", "\(port)", "-B", "\(receiveBufferSize)", "-t", "3600", "-P", directory.appendingPathComponent("nfcapd.pid").path],
            output: .file(directory.appendingPathComponent("nfcapd.log").path))
        let receiver = NfcapdReceiver(port: port, process: process, directory: directory, nfdump: nfdump)
        do {
            try await Self.waitUntilBound(port: port)
        } catch {
            await process.terminate()
            throw error
        }
        return receiver
    }

    var cpuSeconds: Double { process.cpuSeconds }

    func stop() async throws -> Int {
        try await stop(keeping: nil)
    }

    /// Stops nfcapd, counts the flows it stored and removes its directory, first moving its
    /// capture files to `keeping` if given.
    func stop(keeping: URL?) async throws -> Int {
        process.send(SIGTERM)
        let status = await process.waitForExit()
        guard status.isSuccess else { throw FlowReplay.ReplayError(description: "nfcapd ended with \(status)") }
        var flows = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasPrefix("nfcapd.2") {
            let summary = try ChildProcess.run(nfdump, ["-r", directory.appendingPathComponent(file).path, "-I"])
            guard let line = summary.split(separator: "\n").first(where: { $0.hasPrefix("Flows:") }),
                let count = Int(line.dropFirst("Flows:".count).trimmingCharacters(in: .whitespaces))
            else { throw FlowReplay.ReplayError(description: "no flow count in `nfdump -I` of \(file): \(summary)") }
            flows += count
            if let keeping {
                try FileManager.default.moveItem(at: directory.appendingPathComponent(file), to: keeping.appendingPathComponent(file))
            }
        }
        try? FileManager.default.removeItem(at: directory)
        return flows
    }
}
