package org.mriclassifier.lifecycle;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The one Prometheus registry of a Vert.x instance: Vert.x's own metrics (HTTP server, pool, event bus, JVM)
 * and the server's (classification, preprocessing, batching) land in it, and /metrics renders it.
 */
public final class Observability {

    private static final Map<Vertx, PrometheusMeterRegistry> REGISTRIES = new WeakHashMap<>();

    private Observability() {
    }

    /** A Vert.x instance whose metrics go to a Prometheus registry of its own. */
    public static Vertx newVertx(VertxOptions options) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true);
        Vertx vertx = Vertx.builder().with(options.setMetricsOptions(metrics))
                .withMetrics(new MicrometerMetricsFactory(registry)).build();
        synchronized (REGISTRIES) {
            REGISTRIES.put(vertx, registry);
        }
        return vertx;
    }

    /** This Vert.x instance's registry (one is made for an instance built without metrics). */
    public static PrometheusMeterRegistry registry(Vertx vertx) {
        synchronized (REGISTRIES) {
            return REGISTRIES.computeIfAbsent(vertx, v -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        }
    }
}
