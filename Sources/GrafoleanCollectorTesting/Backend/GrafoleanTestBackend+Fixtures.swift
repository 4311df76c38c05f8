import Foundation

/// Ready-made states: a new account's defaults, an account set up for a ping bot, and the exact
/// state the recorded fixtures were taken from.
extension GrafoleanTestBackend {
    /// Adds the credentials and sensors Grafolean creates with every new account (ping, SNMP and
    /// NetFlow), with the same names and details.
    @discardableResult
    public func addAccountDefaults(account: Int) async -> AccountDefaults {
        addAccountDefaults(account: account, ids: [:])
    }

    /// Adds an account with the defaults every new Grafolean account gets.
    @discardableResult
    public func addAccountWithDefaults(name: String, id: Int? = nil) async -> AccountDefaults {
        let account = await addAccount(name: name, id: id)
        return addAccountDefaults(account: account, ids: [:])
    }

    /// Adds an account with its defaults, a ping bot with the web UI's permissions, and one device
    /// per IPv4 target that the bot pings with the default ping credential and sensor.
    ///
    /// - Parameters:
    ///   - interval: The ping interval of every device; nil uses the sensor's default (60 s).
    public func addAccountWithPingSetup(
        name: String = "Ping account",
        targets: [String] = ["127.0.0.1"],
        interval: Int? = nil
    ) async -> PingSetup {
        let defaults = await addAccountWithDefaults(name: name)
        let bot = await addBot(name: "\(name) ping bot", protocol: "ping", account: defaults.account)
        var entities: [Int] = []
        for target in targets {
            let id = await addEntity(
                account: defaults.account,
                name: target,
                details: ["ipv4": .string(target)],
                protocols: ["ping": EntityProtocolSettings(
                    credential: defaults.pingCredential,
                    sensors: [.init(sensor: defaults.pingSensor, interval: interval)],
                    bot: bot.id
                )]
            )
            entities.append(id)
        }
        return PingSetup(defaults: defaults, bot: bot, entities: entities)
    }

    /// Seeds the state the fixtures (`fixtures/grafolean-backend-exchanges.json`) were recorded
    /// against, with the same ids, names, tokens and insert times, so that their bot-facing
    /// exchanges can be replayed and answered identically.
    @discardableResult
    public func seedFixtureState(stage: FixtureSeed.Stage = .complete) async -> FixtureSeed {
        let account = await addAccount(name: "Seed account", id: 404_273_002)
        let defaults = addAccountDefaults(account: account, ids: [
            "pingCredential": 1_211_873_615, "pingSensor": 513_769_771, "snmpCredential": 170_239_228,
            "trafficIn": 630_013_232, "trafficOut": 1_601_554_046, "temperature": 282_739_740,
            "netflowCredential": 599_219_826, "netflowSensor": 1_800_903_882,
        ])
        let pingCredential = addCredential(
            account: account, name: "Seed ping credential", protocolName: "ping",
            details: Self.pingCredentialDetails, id: 1_022_578_897
        )
        let pingSensor = addSensor(
            account: account, name: "Seed ping sensor", protocolName: "ping", defaultInterval: 30,
            details: .object(PyObject()), id: 1_825_602_633
        )
        let pingBot = await addBot(
            name: "Seed ping bot", protocol: "ping", account: account,
            permissions: .custom(BotPermissions.uiDefaults(account: account, ids: [958_416_714, 85_372_492, 1_043_756_279, 312_450_473])),
            token: "5e1d0b07-0000-4000-8000-00000000b0a1", id: 1_262_271_313,
            insertTime: Date(timeIntervalSince1970: 1_795_533_255)
        )
        let entity = await addEntity(
            account: account, name: "localhost", details: ["ipv4": "127.0.0.1"],
            protocols: ["ping": .init(credential: pingCredential, sensors: [.init(sensor: pingSensor)], bot: pingBot.id)],
            id: 1_130_086_091
        )
        guard stage == .complete else {
            return FixtureSeed(
                account: account, defaults: defaults, pingBot: pingBot, pingCredential: pingCredential,
                pingSensor: pingSensor, entity: entity, otherAccount: nil, bareBot: nil, systemwideBot: nil
            )
        }
        let later = Date(timeIntervalSince1970: 1_795_533_319)
        let otherAccount = await addAccount(name: "Other account", id: 2_018_329_566)
        let bareBot = await addBot(
            name: "Bare bot", protocol: "ping", account: account, permissions: .none,
            token: "5e1d0b07-0000-4000-8000-00000000b0a2", id: 1_803_062_902, insertTime: later
        )
        await addBot(
            name: "Odd bot", protocol: "no-such-protocol", account: account, permissions: .none,
            id: 2_009_620_031, insertTime: later
        )
        let systemwideBot = await addBot(
            name: "Systemwide ping", protocol: "ping", account: nil,
            permissions: .custom([.init(id: 129_472_429, resourcePrefix: "accounts", methods: nil)]),
            token: "5e1d0b07-0000-4000-8000-00000000b0a3", id: 2_088_359_666, insertTime: later
        )
        return FixtureSeed(
            account: account, defaults: defaults, pingBot: pingBot, pingCredential: pingCredential,
            pingSensor: pingSensor, entity: entity, otherAccount: otherAccount, bareBot: bareBot, systemwideBot: systemwideBot
        )
    }

    private static let pingCredentialDetails = PyJSON.object(PyObject([
        ("n_packets", .string("3")), ("sleep_packets", .string("1.0")), ("timeout", .string("1.0")), ("retry", .string("0")),
    ]))

    /// The details of an SNMP sensor that walks ifDescr and one more OID, in the backend's key order.
    private static func snmpSensorDetails(oids: [String], expression: String, outputPath: String) -> PyJSON {
        .object(PyObject([
            ("oids", .array(oids.map { oid in
                .object(PyObject([("oid", .string(oid)), ("fetch_method", .string("walk"))]))
            })),
            ("expression", .string(expression)),
            ("output_path", .string(outputPath)),
        ]))
    }

    /// The defaults, in the order Grafolean creates them, with optional fixed ids.
    func addAccountDefaults(account: Int, ids: [String: Int]) -> AccountDefaults {
        let empty = PyJSON.object(PyObject())
        let pingCredential = addCredential(
            account: account, name: "Default ICMP ping credential (3 packets)", protocolName: "ping",
            details: Self.pingCredentialDetails, id: ids["pingCredential"]
        )
        let pingSensor = addSensor(
            account: account, name: "Default ICMP ping sensor", protocolName: "ping", defaultInterval: 60,
            details: empty, id: ids["pingSensor"]
        )
        let snmpCredential = addCredential(
            account: account, name: "Default SNMP credential (SNMPv2c, 'public')", protocolName: "snmp",
            details: .object(PyObject([("version", .string("snmpv2c")), ("snmpv12_community", .string("public"))])),
            id: ids["snmpCredential"]
        )
        let trafficIn = addSensor(
            account: account, name: "Traffic IN [bps]", protocolName: "snmp", defaultInterval: 60,
            details: Self.snmpSensorDetails(
                oids: ["1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.10"], expression: "$2", outputPath: "if.in-octets.{$index}.{$1}"
            ),
            id: ids["trafficIn"]
        )
        let trafficOut = addSensor(
            account: account, name: "Traffic OUT [bps]", protocolName: "snmp", defaultInterval: 60,
            details: Self.snmpSensorDetails(
                oids: ["1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.16"], expression: "$2", outputPath: "if.out-octets.{$index}.{$1}"
            ),
            id: ids["trafficOut"]
        )
        let temperature = addSensor(
            account: account, name: "Linux lmsensors - temperature [°C]", protocolName: "snmp", defaultInterval: 60,
            details: Self.snmpSensorDetails(
                oids: ["1.3.6.1.4.1.2021.13.16.2.1.2", "1.3.6.1.4.1.2021.13.16.2.1.3"], expression: "$2 / 1000.0",
                outputPath: "lmsensors.temp.{$index}.{$1}"
            ),
            id: ids["temperature"]
        )
        let netflowCredential = addCredential(
            account: account, name: "Default NetFlow credential", protocolName: "netflow", details: empty,
            id: ids["netflowCredential"]
        )
        let netflowSensor = addSensor(
            account: account, name: "Default NetFlow sensor", protocolName: "netflow", defaultInterval: nil,
            details: empty, id: ids["netflowSensor"]
        )
        return AccountDefaults(
            account: account, pingCredential: pingCredential, pingSensor: pingSensor, snmpCredential: snmpCredential,
            snmpTrafficInSensor: trafficIn, snmpTrafficOutSensor: trafficOut, snmpTemperatureSensor: temperature,
            netflowCredential: netflowCredential, netflowSensor: netflowSensor
        )
    }
}
