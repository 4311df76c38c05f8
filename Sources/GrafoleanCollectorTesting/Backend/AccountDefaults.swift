/// The credentials and sensors every new Grafolean account starts with (ids).
public struct AccountDefaults: Sendable, Hashable {
    /// The account.
    public let account: Int
    /// "Default ICMP ping credential (3 packets)": `{"n_packets":"3","sleep_packets":"1.0","timeout":"1.0","retry":"0"}`.
    public let pingCredential: Int
    /// "Default ICMP ping sensor": protocol ping, every 60 s, details `{}`.
    public let pingSensor: Int
    /// "Default SNMP credential (SNMPv2c, 'public')": `{"version":"snmpv2c","snmpv12_community":"public"}`.
    public let snmpCredential: Int
    /// "Traffic IN [bps]": walks ifDescr and ifInOctets, `$2`, `if.in-octets.{$index}.{$1}`, 60 s.
    public let snmpTrafficInSensor: Int
    /// "Traffic OUT [bps]": walks ifDescr and ifOutOctets, `$2`, `if.out-octets.{$index}.{$1}`, 60 s.
    public let snmpTrafficOutSensor: Int
    /// "Linux lmsensors - temperature [°C]": `$2 / 1000.0`, `lmsensors.temp.{$index}.{$1}`, 60 s.
    public let snmpTemperatureSensor: Int
    /// "Default NetFlow credential": details `{}`.
    public let netflowCredential: Int
    /// "Default NetFlow sensor": no interval, details `{}`.
    public let netflowSensor: Int
}
