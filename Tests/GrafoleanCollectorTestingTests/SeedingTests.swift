import Foundation
import GrafoleanCollector
import GrafoleanCollectorTesting
import Testing

@Suite("Seeding and reading back")
struct SeedingTests {
    @Test("account defaults and a ping setup are listed as the backend lists them")
    func pingSetup() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup(name: "Demo", targets: ["192.0.2.1", "192.0.2.2"], interval: 10)
            let defaults = setup.defaults
            let ids = [defaults.pingCredential, defaults.snmpCredential, defaults.netflowCredential]
            let credentials = try await http.get(backend, "/accounts/\(setup.account)/credentials/", token: setup.bot.token).json()
            #expect(credentials["list"]?.arrayValue?.compactMap { $0["id"]?.numberValue }.map { Int($0) } == ids.sorted())
            let ping = try await http.get(backend, "/accounts/\(setup.account)/credentials/\(defaults.pingCredential)", token: setup.bot.token)
            #expect(ping.body == #"{"id":\#(defaults.pingCredential),"name":"Default ICMP ping credential (3 packets)","protocol":"ping","details":{"n_packets":"3","sleep_packets":"1.0","timeout":"1.0","retry":"0"}}"#)
            let netflow = try await http.get(backend, "/accounts/\(setup.account)/sensors/\(defaults.netflowSensor)/", token: setup.bot.token)
            #expect(netflow.body == #"{"id":\#(defaults.netflowSensor),"name":"Default NetFlow sensor","protocol":"netflow","default_interval":null,"details":{}}"#)
            let sensors = await backend.sensors(account: setup.account)
            #expect(sensors.count == 5)
            #expect(sensors.first { $0.id == defaults.snmpTemperatureSensor }?.details["expression"] == "$2 / 1000.0")

            let entities = try await http.get(backend, "/accounts/\(setup.account)/entities/", token: setup.bot.token)
            let first = setup.entities.min()!
            let firstName = first == setup.entities[0] ? "192.0.2.1" : "192.0.2.2"
            #expect(entities.body.hasPrefix(#"{"list":[{"id":\#(first),"name":"\#(firstName)","entity_type":"device","parent":null,"details":{"ipv4":"\#(firstName)"},"protocols":{"ping":{"credential":\#(defaults.pingCredential),"sensors":[{"sensor":\#(defaults.pingSensor),"interval":10}],"bot":\#(setup.bot.id)}}}"#))
            #expect(try entities.json()["list"]?.arrayValue?.count == 2)
        }
    }

    @Test("ids are random positive 31-bit integers unless given")
    func ids() async throws {
        try await withBackend { (backend, _) async throws in
            var seen: Set<Int> = []
            for index in 0..<200 {
                let id = await backend.addAccount(name: "a\(index)")
                #expect((1...Int(Int32.max)).contains(id))
                seen.insert(id)
            }
            #expect(seen.count == 200)
            #expect(await backend.addAccount(name: "fixed", id: 42) == 42)
            let bot = await backend.addBot(name: "b", protocol: "ping", account: 42, token: "AAAAAAAA-0000-4000-8000-000000000001", id: 7)
            #expect(bot == TestBot(id: 7, token: "aaaaaaaa-0000-4000-8000-000000000001"))
        }
    }

    @Test("changes made through the seeding API show in the next answer")
    func changes() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup()
            let account = setup.account
            let entity = setup.entities[0]
            func protocols() async throws -> JSONValue? {
                try await http.get(backend, "/accounts/\(account)/entities/\(entity)", token: setup.bot.token).json()["protocols"]
            }
            await backend.updateSensor(account: account, id: setup.defaults.pingSensor, defaultInterval: 5)
            let sensor = try await http.get(backend, "/accounts/\(account)/sensors/\(setup.defaults.pingSensor)", token: setup.bot.token).json()
            #expect(sensor["default_interval"] == 5)
            await backend.updateCredential(account: account, id: setup.defaults.pingCredential, details: ["n_packets": "5"])
            let credential = try await http.get(backend, "/accounts/\(account)/credentials/\(setup.defaults.pingCredential)", token: setup.bot.token).json()
            #expect(credential["details"] == ["n_packets": "5"])

            #expect(await backend.updateEntity(account: account, id: entity, name: "renamed", details: ["ipv4": "192.0.2.9"]))
            let renamed = try await http.get(backend, "/accounts/\(account)/entities/\(entity)", token: setup.bot.token).json()
            #expect(renamed["name"] == "renamed")
            #expect(renamed["details"] == ["ipv4": "192.0.2.9"])

            // The backend keys protocols by credential: without the credential the protocol is gone.
            await backend.removeSensor(account: account, id: setup.defaults.pingSensor)
            #expect(try await protocols()?["ping"]?["sensors"] == [])
            await backend.removeCredential(account: account, id: setup.defaults.pingCredential)
            #expect(try await protocols() == [:])
            // A bot of another protocol is listed as null.
            let snmpBot = await backend.addBot(name: "snmp", protocol: "snmp", account: account)
            await backend.updateEntity(account: account, id: entity, protocols: [
                "snmp": .init(credential: setup.defaults.snmpCredential, sensors: [.init(sensor: setup.defaults.snmpTrafficInSensor)], bot: setup.bot.id),
            ])
            #expect(try await protocols()?["snmp"]?["bot"] == .null)
            await backend.updateEntity(account: account, id: entity, protocols: [
                "snmp": .init(credential: setup.defaults.snmpCredential, sensors: [], bot: snmpBot.id),
            ])
            #expect(try await protocols()?["snmp"]?["bot"] == .number(Double(snmpBot.id)))

            #expect(await backend.removeEntity(account: account, id: entity))
            #expect(try await http.get(backend, "/accounts/\(account)/entities/\(entity)", token: setup.bot.token).status == 404)
            #expect(await !backend.removeEntity(account: account, id: entity))
        }
    }

    @Test("a bot with entity permissions creates, updates and deletes interface entities")
    func entityWrites() async throws {
        try await withBackend { (backend, http) async throws in
            let defaults = await backend.addAccountWithDefaults(name: "SNMP")
            let account = defaults.account
            let bot = await backend.addBot(
                name: "SNMP bot", protocol: "snmp", account: account,
                permissions: .custom(
                    BotPermissions.accountDefaults.resolved(account: account)
                        + [.init(resourcePrefix: "accounts/\(account)/entities", methods: ["POST", "PUT", "DELETE"])]
                )
            )
            let device = await backend.addEntity(
                account: account, name: "router", details: ["ipv4": "192.0.2.1"],
                protocols: ["snmp": .init(credential: defaults.snmpCredential, sensors: [.init(sensor: defaults.snmpTrafficInSensor, interval: 60)], bot: bot.id)]
            )
            let body = #"{"name":"eth0","entity_type":"interface","parent":\#(device),"details":{"snmp_index":"2","speed_bps":"1000000000"}}"#
            let created = try await http.write("POST", backend, "/accounts/\(account)/entities", token: bot.token, json: body)
            #expect(created.status == 201)
            let interface = Int(try #require(created.json()["id"]?.numberValue))
            let listed = await backend.entities(account: account)
            #expect(listed.map(\.id) == [device, interface].sorted())
            let child = try #require(listed.first { $0.id == interface })
            #expect(child.parent == device)
            #expect(child.entityType == "interface")
            #expect(child.details == ["snmp_index": "2", "speed_bps": "1000000000"])
            let exact = try await http.get(backend, "/accounts/\(account)/entities/\(interface)", token: bot.token)
            #expect(exact.body == #"{"id":\#(interface),"name":"eth0","entity_type":"interface","parent":\#(device),"details":{"snmp_index":"2","speed_bps":"1000000000"},"protocols":{}}"#)

            let update = #"{"name":"eth0 (uplink)","entity_type":"interface","parent":\#(device),"details":{"snmp_index":"2","speed_bps":"10000000000"}}"#
            #expect(try await http.write("PUT", backend, "/accounts/\(account)/entities/\(interface)/", token: bot.token, json: update).status == 204)
            #expect(await backend.entities(account: account).first { $0.id == interface }?.name == "eth0 (uplink)")
            #expect(try await http.write("PUT", backend, "/accounts/\(account)/entities/1", token: bot.token, json: update).body == #"{"detail":"No such entity"}"#)

            // Deleting the device deletes its interfaces (ON DELETE CASCADE).
            let second = try await http.write("POST", backend, "/accounts/\(account)/entities", token: bot.token, json: body)
            #expect(second.status == 201)
            #expect(try await http.send("DELETE", TestHTTP.url(backend, "/accounts/\(account)/entities/\(interface)", token: bot.token)).status == 204)
            #expect(try await http.send("DELETE", TestHTTP.url(backend, "/accounts/\(account)/entities/\(interface)", token: bot.token)).status == 404)
            #expect(try await http.send("DELETE", TestHTTP.url(backend, "/accounts/\(account)/entities/\(device)", token: bot.token)).status == 204)
            #expect(await backend.entities(account: account).isEmpty)
        }
    }

    @Test("entity input is validated with the backend's messages", arguments: [
        (#"{"name":"x","entity_type":"device"}"#, "'details' is a required property"),
        (#"{"name":"x","entity_type":"device","details":{},"foo":1}"#, "Additional properties are not allowed ('foo' was unexpected)"),
        (#"{"name":5,"entity_type":"device","details":{}}"#, "5 is not of type 'string'"),
        (#"[]"#, "[] is not of type 'object'"),
        (#"{"name":"x","entity_type":"device","details":{},"parent":"1"}"#, "'1' is not of type 'number', 'null'"),
        (#"{"name":"x","entity_type":"device","details":{},"protocols":{"ping":{"credential":1,"sensors":[]}}}"#, "'bot' is a required property"),
        (#"{"name":"x","entity_type":"device","details":{},"protocols":{"ping":{"credential":1,"bot":1,"sensors":[]}}}"#, "Invalid credential for this account/protocol combination: 1"),
    ])
    func entityValidation(body: String, message: String) async throws {
        try await withBackend { (backend, http) async throws in
            let account = await backend.addAccount(name: "A")
            let bot = await backend.addBot(
                name: "writer", protocol: "ping", account: account,
                permissions: .custom([.init(resourcePrefix: "accounts/\(account)/entities", methods: nil)])
            )
            let answer = try await http.write("POST", backend, "/accounts/\(account)/entities", token: bot.token, json: body)
            #expect(answer.status == 400)
            #expect(answer.body == "Input validation failed: " + message)
            #expect(await backend.entities(account: account).isEmpty)
        }
    }

    @Test("10,000 entities list in one answer")
    func manyEntities() async throws {
        try await withBackend { (backend, http) async throws in
            let setup = await backend.addAccountWithPingSetup(targets: [])
            for index in 0..<10_000 {
                await backend.addEntity(
                    account: setup.account, name: "host\(index)", details: ["ipv4": .string("10.0.\(index / 256).\(index % 256)")],
                    protocols: ["ping": .init(credential: setup.defaults.pingCredential, sensors: [.init(sensor: setup.defaults.pingSensor)], bot: setup.bot.id)]
                )
            }
            let answer = try await http.get(backend, "/accounts/\(setup.account)/entities/", token: setup.bot.token)
            #expect(answer.status == 200)
            // JSONSerialization: decoding 10,000 entities into JSONValue is slow in debug builds.
            let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
            let list = try #require(object?["list"] as? [[String: Any]])
            #expect(list.count == 10_000)
            let ids = list.compactMap { ($0["id"] as? NSNumber)?.intValue }
            #expect(ids.count == 10_000)
            #expect(ids == ids.sorted())
        }
    }
}
