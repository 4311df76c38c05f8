/// IANA protocol keywords (protocol-numbers registry) as Grafolean's Python bot prints them,
/// and their path-safe labels.
public enum ProtocolNames {
    /// The IANA keyword of a protocol number, `nil` when the number has none (unassigned,
    /// 61, 63, 68, 99, 114, 253–255).
    public static func keyword(_ number: UInt8) -> String? {
        let keyword = keywords[Int(number)]
        return keyword.isEmpty ? nil : keyword
    }

    /// The path segment for a protocol: its keyword with every character outside
    /// `[0-9a-zA-Z_-]` replaced by `-` (`TP++` → `TP--`, `IS-IS over IPv4` → `IS-IS-over-IPv4`,
    /// `AX.25` → `AX-25`; the same rule as the SNMP bot's `{$N}`), or `proto<n>` without one.
    public static func label(_ number: UInt8) -> String {
        labels[Int(number)]
    }

    private static let labels: [String] = (0...255).map { number in
        guard let keyword = keyword(UInt8(number)) else { return "proto\(number)" }
        return String(keyword.map { PathSegment.isSafe($0) ? $0 : "-" })
    }

    private static let keywords: [String] = {
        var table = [String](repeating: "", count: 256)
        let assigned: [String] = [
            "HOPOPT", "ICMP", "IGMP", "GGP", "IPv4", "ST", "TCP", "CBT", "EGP", "IGP",
            "BBN-RCC-MON", "NVP-II", "PUP", "ARGUS", "EMCON", "XNET", "CHAOS", "UDP", "MUX", "DCN-MEAS",
            "HMP", "PRM", "XNS-IDP", "TRUNK-1", "TRUNK-2", "LEAF-1", "LEAF-2", "RDP", "IRTP", "ISO-TP4",
            "NETBLT", "MFE-NSP", "MERIT-INP", "DCCP", "3PC", "IDPR", "XTP", "DDP", "IDPR-CMTP", "TP++",
            "IL", "IPv6", "SDRP", "IPv6-Route", "IPv6-Frag", "IDRP", "RSVP", "GRE", "DSR", "BNA",
            "ESP", "AH", "I-NLSP", "SWIPE", "NARP", "MOBILE", "TLSP", "SKIP", "IPv6-ICMP", "IPv6-NoNxt",
            "IPv6-Opts", "", "CFTP", "", "SAT-EXPAK", "KRYPTOLAN", "RVD", "IPPC", "", "SAT-MON",
            "VISA", "IPCV", "CPNX", "CPHB", "WSN", "PVP", "BR-SAT-MON", "SUN-ND", "WB-MON", "WB-EXPAK",
            "ISO-IP", "VMTP", "SECURE-VMTP", "VINES", "TTP/IPTM", "NSFNET-IGP", "DGP", "TCF", "EIGRP", "OSPFIGP",
            "Sprite-RPC", "LARP", "MTP", "AX.25", "IPIP", "MICP", "SCC-SP", "ETHERIP", "ENCAP", "",
            "GMTP", "IFMP", "PNNI", "PIM", "ARIS", "SCPS", "QNX", "A/N", "IPComp", "SNP",
            "Compaq-Peer", "IPX-in-IP", "VRRP", "PGM", "", "L2TP", "DDX", "IATP", "STP", "SRP",
            "UTI", "SMP", "SM", "PTP", "IS-IS over IPv4", "FIRE", "CRTP", "CRUDP", "SSCOPMCE", "IPLT",
            "SPS", "PIPE", "SCTP", "FC", "RSVP-E2E-IGNORE", "Mobility Header", "UDPLite", "MPLS-in-IP", "manet", "HIP",
            "Shim6", "WESP", "ROHC", "Ethernet", "AGGFRAG", "NSH",
        ]
        for (number, keyword) in assigned.enumerated() { table[number] = keyword }
        return table
    }()
}
