import Foundation
import NetFlow

/// A NetFlow collector under test in the socket benchmark: started on a port, fed, drained, stopped.
protocol FlowReceiver: Sendable {
    /// The name in the results.
    var name: String { get }
    /// The UDP port it listens on (127.0.0.1).
    var port: Int { get }
    /// CPU seconds it has used so far.
    var cpuSeconds: Double { get }
    /// Stops it and returns the flows it took in (decoded, or stored).
    func stop() async throws -> Int
}

extension FlowReceiver {
    /// Waits until the kernel holds nothing for the socket and the receiver's CPU time has not
    /// moved (by more than 10 % of a core) for 200 ms (it has worked off what it buffered), or 30 s passed.
    func drain() async {
        var quietSince: Double?
        var lastCPU = cpuSeconds
        let clock = Stopwatch()
        while clock.elapsed < 30 {
            try? await Task.sleep(for: .milliseconds(50))
            let cpu = cpuSeconds
            let queued = UDPSocketTable.entry(port: port)?.receiveQueueBytes ?? 0
            if queued == 0, cpu - lastCPU < 0.005 {
                if let since = quietSince, clock.elapsed - since >= 0.2 { return }
                quietSince = quietSince ?? clock.elapsed
            } else {
                quietSince = nil
            }
            lastCPU = cpu
        }
    }

    /// Waits until something is bound to the port (at most 10 s).
    static func waitUntilBound(port: Int) async throws {
        for _ in 0..<1_000 {
            if UDPSocketTable.entry(port: port) != nil { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw FlowReplay.ReplayError(description: "nothing listens on UDP port \(port)")
    }
}
