import NIOCore

/// usmStats counters (RFC 3414 §5) and other counters agents put in report PDUs.
enum ReportOID {
    static let unsupportedSecurityLevels: OID = "1.3.6.1.6.3.15.1.1.1.0"
    static let notInTimeWindows: OID = "1.3.6.1.6.3.15.1.1.2.0"
    static let unknownUserNames: OID = "1.3.6.1.6.3.15.1.1.3.0"
    static let unknownEngineIDs: OID = "1.3.6.1.6.3.15.1.1.4.0"
    static let wrongDigests: OID = "1.3.6.1.6.3.15.1.1.5.0"
    static let decryptionErrors: OID = "1.3.6.1.6.3.15.1.1.6.0"
    static let unavailableContexts: OID = "1.3.6.1.6.3.12.1.4.0"
    static let unknownContexts: OID = "1.3.6.1.6.3.12.1.5.0"
}

extension SNMPClient {
    /// The cache key of an agent's engine state: its address, not its name.
    static func engineKey(_ address: SocketAddress) -> String {
        "\(address.ipAddress ?? "?")|\(address.port ?? 0)"
    }

    /// Sends a v3 request: discovers the engine if needed, resynchronises the clock once on
    /// usmStatsNotInTimeWindows (and rediscovers once on usmStatsUnknownEngineIDs).
    func sendV3(
        _ request: PDU,
        user: SNMPv3User,
        target: SNMPTarget,
        address: SocketAddress,
        transport: SNMPTransport
    ) async throws -> PDU {
        try user.validate()
        let key = Self.engineKey(address)
        let cached = engines.withLock { $0[key] }
        var engine: EngineState
        if let cached {
            engine = cached
        } else {
            engine = try await discoverEngine(target: target, address: address, transport: transport)
            let discovered = engine
            engines.withLock { $0[key] = discovered }
        }
        var recovered = false
        while true {
            let snapshot = engine.estimated(at: transport.now)
            let keys = keyStore.keys(for: user, engineID: snapshot.engineID)
            var pdu = request
            pdu.requestID = nextRequestID()
            let bytes = try USMProcessor.encodeRequest(
                pdu,
                messageID: pdu.requestID,
                user: user,
                engine: snapshot,
                keys: keys,
                salt: nextSalt()
            )
            let reply = try await exchangeV3(
                bytes,
                id: pdu.requestID,
                what: "\(request.type) \(Self.describe(request.varBinds))",
                privacyHint: user.privacy != nil,
                target: target,
                address: address,
                transport: transport
            )
            let keyStore = self.keyStore
            let incoming = try USMProcessor.decodeIncoming(reply.bytes, user: user) { engineID in
                keyStore.keys(for: user, engineID: engineID)
            }
            let response = incoming.scopedPDU.pdu
            let security = incoming.message.security

            if response.type == .report {
                let reportOID = response.varBinds.first?.oid
                if !recovered, reportOID == ReportOID.notInTimeWindows, incoming.authenticated {
                    // RFC 3414 §4: the authenticated report carries the agent's clock.
                    recovered = true
                    engine = EngineState(engineID: security.engineID, boots: security.engineBoots, time: security.engineTime, receivedAt: transport.now)
                    let resynchronised = engine
                    engines.withLock { $0[key] = resynchronised }
                    logger.debug("SNMPv3 time window resynchronised", metadata: ["snmp.host": "\(target.endpointDescription)"])
                    continue
                }
                if !recovered, reportOID == ReportOID.unknownEngineIDs, !security.engineID.isEmpty {
                    // The agent's engine ID changed (device replaced or reconfigured).
                    recovered = true
                    engine = EngineState(engineID: security.engineID, boots: security.engineBoots, time: security.engineTime, receivedAt: transport.now)
                    let rediscovered = engine
                    engines.withLock { $0[key] = rediscovered }
                    continue
                }
                throw Self.reportError(response, user: user, request: request)
            }

            guard response.type == .response, response.requestID == pdu.requestID else {
                throw SNMPError.malformed(
                    "expected a RESPONSE to request \(pdu.requestID), got \(response.type) with request-id \(response.requestID)"
                )
            }
            if user.authentication != nil {
                guard incoming.authenticated else {
                    throw SNMPError(
                        code: .authenticationFailure,
                        message: "the response to user '\(user.userName)' was not authenticated although the request was (\(user.securityLevel)); check the agent's user configuration"
                    )
                }
                if security.engineID == engine.engineID {
                    let now = transport.now
                    engines.withLock { $0[key]?.update(boots: security.engineBoots, time: security.engineTime, at: now) }
                }
            }
            return response
        }
    }

    /// Engine discovery (RFC 3414 §4): an empty unauthenticated GET, answered by a
    /// usmStatsUnknownEngineIDs report that carries the engine ID, boots and time.
    func discoverEngine(target: SNMPTarget, address: SocketAddress, transport: SNMPTransport) async throws -> EngineState {
        let id = nextRequestID()
        let probe = V3Message(
            messageID: id,
            flags: .reportable,
            security: USMSecurityParameters(),
            payload: .plaintext(ScopedPDU(contextEngineID: [], contextName: [], pdu: PDU(type: .get, requestID: id, varBinds: [])))
        )
        let reply = try await exchangeV3(
            try probe.encode(),
            id: id,
            what: "SNMPv3 engine discovery",
            privacyHint: false,
            target: target,
            address: address,
            transport: transport
        )
        let message = try V3Message.decode(reply.bytes)
        guard !message.security.engineID.isEmpty else {
            throw SNMPError(
                code: .unknownEngineID,
                message: "the agent answered SNMPv3 engine discovery without an engine ID; check that it supports SNMPv3 (USM)"
            )
        }
        logger.debug(
            "SNMPv3 engine discovered",
            metadata: [
                "snmp.host": "\(target.endpointDescription)", "snmp.engine_id": "\(hex(message.security.engineID))",
                "snmp.engine_boots": "\(message.security.engineBoots)", "snmp.engine_time": "\(message.security.engineTime)",
            ]
        )
        return EngineState(
            engineID: message.security.engineID,
            boots: message.security.engineBoots,
            time: message.security.engineTime,
            receivedAt: transport.now
        )
    }

    private func exchangeV3(
        _ bytes: [UInt8],
        id: Int32,
        what: String,
        privacyHint: Bool,
        target: SNMPTarget,
        address: SocketAddress,
        transport: SNMPTransport
    ) async throws -> SNMPDatagramHandler.Reply {
        do {
            return try await transport.exchange(bytes, id: id, to: address, timeout: TimeAmount(target.timeout), retries: target.retries)
        } catch var error as SNMPError where error.code == .timeout {
            error.message =
                "\(error.message) to \(what) (SNMPv3): check that the host is reachable, that an SNMP agent listens on UDP port \(target.port) and allows this manager's address"
            if privacyHint {
                // net-snmp (and others) silently drop requests they cannot decrypt.
                error.message += ", and the privacy password and protocol (agents silently drop requests they cannot decrypt)"
            }
            throw error
        }
    }

    /// Turns a report PDU into an error that says what to check.
    static func reportError(_ report: PDU, user: SNMPv3User, request: PDU) -> SNMPError {
        let oid = report.varBinds.first?.oid
        let user_ = "'\(user.userName)'"
        let auth = user.authentication.map { "\($0.protocol)" } ?? "none"
        let priv = user.privacy.map { "\($0.protocol)" } ?? "none"
        switch oid {
        case ReportOID.unknownUserNames:
            return SNMPError(
                code: .unknownUserName,
                message: "the agent does not know SNMPv3 user \(user_) (usmStatsUnknownUserNames): check the user name and that the user exists on the device",
                oid: oid
            )
        case ReportOID.wrongDigests:
            return SNMPError(
                code: .authenticationFailure,
                message: "the agent rejected the authentication digest of user \(user_) (usmStatsWrongDigests): check the authentication password and protocol (configured: \(auth))",
                oid: oid
            )
        case ReportOID.decryptionErrors:
            return SNMPError(
                code: .decryptionError,
                message: "the agent could not decrypt the request of user \(user_) (usmStatsDecryptionErrors): check the privacy password and protocol (configured: \(priv))",
                oid: oid
            )
        case ReportOID.unsupportedSecurityLevels:
            return SNMPError(
                code: .unsupportedSecurityLevel,
                message: "user \(user_) is not configured on the agent for \(user.securityLevel) (usmStatsUnsupportedSecLevels): check the security level and which of authentication/privacy the device expects",
                oid: oid
            )
        case ReportOID.notInTimeWindows:
            return SNMPError(
                code: .notInTimeWindow,
                message: "the request of user \(user_) is still outside the agent's time window after resynchronising engineBoots/engineTime (usmStatsNotInTimeWindows); check the authentication settings",
                oid: oid
            )
        case ReportOID.unknownEngineIDs:
            return SNMPError(
                code: .unknownEngineID,
                message: "the agent rejected the engine ID even after rediscovery (usmStatsUnknownEngineIDs)",
                oid: oid
            )
        case ReportOID.unknownContexts, ReportOID.unavailableContexts:
            return SNMPError(
                code: .report,
                message: "the agent does not serve context '\(user.contextName)' (\(oid == ReportOID.unknownContexts ? "snmpUnknownContexts" : "snmpUnavailableContexts")): check the context name",
                oid: oid
            )
        default:
            return SNMPError(
                code: .report,
                message: "the agent answered \(request.type) \(describe(request.varBinds)) with a report PDU (\(report.varBinds.first.map { "\($0)" } ?? "no variable bindings"))",
                oid: oid
            )
        }
    }
}
