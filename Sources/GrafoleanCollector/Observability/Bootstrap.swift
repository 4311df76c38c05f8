import Logging
import Metrics
import Prometheus
import Synchronization

/// Bootstraps swift-log exactly once per process (a second bootstrap would crash).
enum LoggingBootstrap {
    private static let done = Mutex(false)

    static func once(level: Logger.Level) {
        done.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// Bootstraps swift-metrics with a Prometheus registry exactly once per process.
public enum MetricsBootstrap {
    private static let registry = Mutex<PrometheusCollectorRegistry?>(nil)

    /// The process's Prometheus registry, bootstrapping swift-metrics with it on first use.
    ///
    /// If the process bootstrapped swift-metrics with another backend before, the registry stays
    /// empty of the library's metrics.
    public static func prometheusRegistry() -> PrometheusCollectorRegistry {
        registry.withLock { registry in
            if let registry { return registry }
            let created = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: created))
            registry = created
            return created
        }
    }
}
