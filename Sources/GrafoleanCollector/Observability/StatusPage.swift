import Foundation

/// The status page: ``CollectorStatus`` as a plain HTML page for a person in a browser, problems
/// first, one row per device; no script, no external asset, everything escaped.
enum StatusPage {
    /// A device and its jobs (the SNMP bot has two per device), in the report's order.
    struct Device {
        var key: String
        var entityID: Int?
        var name: String
        var jobs: [CollectorStatus.Job]
        var problems: [String] { jobs.compactMap(\.problem) }
    }

    /// The jobs grouped by device, in the order of each device's first (worst) job.
    static func devices(_ jobs: [CollectorStatus.Job]) -> [Device] {
        var devices: [Device] = []
        var index: [String: Int] = [:]
        for job in jobs {
            let key = job.entityID.map { "\($0)" } ?? job.id
            if let position = index[key] {
                devices[position].jobs.append(job)
            } else {
                index[key] = devices.count
                devices.append(Device(key: key, entityID: job.entityID, name: job.entityName ?? job.id, jobs: [job]))
            }
        }
        return devices
    }

    /// The page.
    static func html(_ status: CollectorStatus) -> String {
        let now = status.generatedAt
        let devices = devices(status.jobs)
        let failing = devices.filter { !$0.problems.isEmpty }.count
        let shard = status.bot.shard.map { " · shard \($0.index) of \($0.count)" } ?? ""
        let title = "\(status.bot.name ?? "bot \(status.bot.id)") (\(status.bot.protocol))"
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) – status</title>
            <style>\(css)</style>
            </head><body>
            <h1>\(escape(title))<span class="muted">\(escape(shard))</span></h1>
            <p class="summary">\(escape(summary(devices: devices.count, failing: failing)))
            · updated \(escape(time(now))) UTC</p>

            """
        page += "<section class=\"facts\">\n"
        page += fact("Health", status.bot.healthy ? "ok" : "unhealthy: " + status.bot.problems.joined(separator: "; "), bad: !status.bot.healthy)
        let backend = status.backend.reachable ? "reachable" : "unreachable" + (status.backend.lastError.map { ": \($0)" } ?? "")
        page += fact("Backend", "\(status.backend.url) – \(backend)", bad: !status.backend.reachable)
        if status.backend.reachable, let error = status.backend.lastError { page += fact("Last backend error", error, bad: true) }
        page += fact("Configuration", status.backend.lastRefresh.map { "fetched \(ago($0, now: now))" } ?? "not fetched yet", bad: status.backend.lastRefresh == nil)
        let dropped = status.delivery.dropped.values.reduce(0, +)
        let reasons = status.delivery.dropped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        page += fact(
            "Delivery",
            "\(status.delivery.sent) sent · \(status.delivery.waiting) waiting · \(status.delivery.rejected) rejected · \(dropped) dropped"
                + (reasons.isEmpty ? "" : " (\(reasons))"),
            bad: dropped > 0 || status.delivery.waiting > 10_000)
        page += "</section>\n"
        page += """
            <table id="devices">
            <thead><tr><th>Device</th><th>State</th><th>Last run</th><th>Values</th><th>Next run</th><th>Every</th></tr></thead>
            <tbody>

            """
        for device in devices {
            let problems = device.problems
            let state = problems.isEmpty ? "ok" : problems.joined(separator: "; ")
            page += "<tr class=\"device \(problems.isEmpty ? "ok" : "problem")\" data-entity=\"\(escape(device.key))\">"
            page += "<td data-label=\"Device\"><strong>\(escape(device.name))</strong>"
            if let id = device.entityID { page += " <span class=\"muted\">#\(id)</span>" }
            page += "</td><td data-label=\"State\" class=\"state\">\(escape(state))</td>"
            page += cell("Last run", device.jobs.map { lastRun($0, now: now) })
            page += cell("Values", device.jobs.map { $0.lastRun.map { "\($0.values)" } ?? "–" })
            page += cell("Next run", device.jobs.map { $0.nextRun.map { inTime($0, now: now) } ?? "–" })
            page += cell("Every", device.jobs.map { $0.intervals.isEmpty ? "–" : $0.intervals.map { "\($0) s" }.joined(separator: ", ") })
            page += "</tr>\n"
        }
        if devices.isEmpty {
            page += "<tr><td colspan=\"6\">No jobs: no device is assigned to this bot\(escape(status.bot.shard == nil ? "" : " (and this shard)")) in Grafolean.</td></tr>\n"
        }
        page += "</tbody></table>\n<p class=\"muted\">The same as JSON: <a href=\"status\">/status</a> · <a href=\"health\">/health</a> · <a href=\"metrics\">/metrics</a></p>\n</body></html>\n"
        return page
    }

    static func summary(devices: Int, failing: Int) -> String {
        let noun = devices == 1 ? "device" : "devices"
        return failing == 0 ? "\(devices) \(noun), all fine" : "\(failing) of \(devices) \(noun) with problems"
    }

    static func fact(_ name: String, _ value: String, bad: Bool) -> String {
        "<div class=\"fact\(bad ? " bad" : "")\"><span class=\"muted\">\(escape(name))</span> \(escape(value))</div>\n"
    }

    /// A cell with one line per job of the device.
    static func cell(_ label: String, _ lines: [String]) -> String {
        "<td data-label=\"\(escape(label))\">" + lines.map(escape).joined(separator: "<br>") + "</td>"
    }

    static func lastRun(_ job: CollectorStatus.Job, now: Date) -> String {
        guard let run = job.lastRun else { return "not yet" }
        let duration = run.outcome == .skipped ? "" : ", \(StatusReporter.seconds(run.durationSeconds))"
        return "\(run.outcome.rawValue) \(ago(run.time, now: now))\(duration)"
    }

    static func ago(_ time: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(time).rounded())
        return seconds < 1 ? "just now" : "\(duration(seconds)) ago"
    }

    static func inTime(_ time: Date, now: Date) -> String {
        let seconds = Int(time.timeIntervalSince(now).rounded())
        return seconds < 1 ? "now" : "in \(duration(seconds))"
    }

    static func duration(_ seconds: Int) -> String {
        switch seconds {
        case ..<120: "\(seconds) s"
        case ..<7_200: "\(seconds / 60) min"
        default: "\(seconds / 3_600) h"
        }
    }

    static func time(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    /// Text made safe for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static let css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:70rem;padding:1rem;color:#1b1b1b;background:#fafafa}
        h1{font-size:1.4rem;margin:.2rem 0}.muted{color:#6b6b6b;font-weight:normal}.summary{margin:.2rem 0 1rem}
        .facts{display:flex;flex-wrap:wrap;gap:.5rem;margin-bottom:1rem}.fact{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.4rem .6rem;overflow-wrap:anywhere}
        .fact.bad{border-color:#c62828;background:#fdecea}
        table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #e3e3e3;vertical-align:top;overflow-wrap:anywhere}
        th{background:#f0f0f0;font-size:.9rem;white-space:nowrap;overflow-wrap:normal}tr.problem{background:#fdecea}tr.problem .state{color:#b71c1c;font-weight:600}tr.ok .state{color:#2e7d32}
        @media (max-width:40rem){thead{display:none}table,tbody,tr,td{display:block;width:auto}tr{border:1px solid #ddd;border-radius:6px;margin-bottom:.6rem}
        td{border:none;padding:.2rem .6rem}td[data-label]::before{content:attr(data-label) ": ";color:#6b6b6b}}
        """
}
