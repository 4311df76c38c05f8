import GrafoleanCollector
import GrafoleanCollectorTesting

/// A test backend seeded with devices for one protocol, spread evenly over several accounts.
struct SeededFleet: Sendable {
    /// The bot that polls them: systemwide (it reaches every account), as Grafolean's own bots are.
    var bot: TestBot
    /// The accounts, in creation order.
    var accounts: [Int]
    /// The device count.
    var devices: Int

    /// Seeds `devices` devices over `accounts` accounts. Each account gets one credential and
    /// `sensorsPerDevice` sensors (intervals 60, 120, 300, … s), and every device of the account
    /// uses all of them. `address(i)` gives device `i`'s IPv4 address.
    static func seed(
        _ backend: GrafoleanTestBackend,
        protocol protocolName: String = "ping",
        devices: Int,
        accounts accountCount: Int,
        sensorsPerDevice: Int = 3,
        credentialDetails: JSONValue = ["n_packets": "3", "sleep_packets": "1.0", "timeout": "1.0", "retry": "0"],
        address: (Int) -> String = { index in "10.\((index >> 16) & 255).\((index >> 8) & 255).\(index & 255)" }
    ) async -> SeededFleet {
        let bot = await backend.addBot(name: "Benchmark bot", protocol: protocolName, account: nil, permissions: .systemwide)
        var accounts: [Int] = []
        let intervals = [60, 120, 300, 600, 900, 1800]
        var device = 0
        for accountIndex in 0..<accountCount {
            let account = await backend.addAccount(name: "Account \(accountIndex + 1)")
            accounts.append(account)
            let credential = await backend.addCredential(
                account: account, name: "\(protocolName) credential", protocol: protocolName, details: credentialDetails)
            var sensors: [EntityProtocolSettings.SensorAssignment] = []
            for sensorIndex in 0..<sensorsPerDevice {
                let sensor = await backend.addSensor(
                    account: account, name: "\(protocolName) sensor \(sensorIndex + 1)", protocol: protocolName,
                    defaultInterval: intervals[sensorIndex % intervals.count], details: [:])
                sensors.append(.init(sensor: sensor))
            }
            // Devices are dealt out evenly; the first accounts take the remainder.
            let count = devices / accountCount + (accountIndex < devices % accountCount ? 1 : 0)
            for _ in 0..<count {
                await backend.addEntity(
                    account: account, name: "device-\(device)", details: ["ipv4": .string(address(device))],
                    protocols: [protocolName: EntityProtocolSettings(credential: credential, sensors: sensors, bot: bot.id)])
                device += 1
            }
        }
        return SeededFleet(bot: bot, accounts: accounts, devices: devices)
    }
}
