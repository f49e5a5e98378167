package org.mriclassifier.lifecycle;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;
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

    /**
     * A Vert.x instance whose metrics go to a Prometheus registry of its own: HTTP requests by route template,
     * method and status (never by raw path), the database pool, the event bus by address, the JVM; latencies
     * as histograms.
     */
    public static Vertx newVertx(VertxOptions options) {
        PrometheusMeterRegistry registry = newRegistry();
        Vertx vertx = builder(options, registry).build();
        remember(vertx, registry);
        return vertx;
    }

    /** As {@link #newVertx}, joined to a cluster through this cluster manager (role api or inference). */
    public static io.vertx.core.Future<Vertx> newClusteredVertx(VertxOptions options,
                                                                io.vertx.core.spi.cluster.ClusterManager clusterManager) {
        PrometheusMeterRegistry registry = newRegistry();
        return builder(options, registry).withClusterManager(clusterManager).buildClustered()
                .onSuccess(vertx -> remember(vertx, registry));
    }

    private static PrometheusMeterRegistry newRegistry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                boolean latency = id.getName().startsWith("vertx.http.server.response.time")
                        || id.getName().startsWith("vertx.pool.queue.time") || id.getName().startsWith("vertx.pool.usage");
                return latency ? DistributionStatisticConfig.builder().percentilesHistogram(true).build().merge(config) : config;
            }
        });
        return registry;
    }

    private static io.vertx.core.VertxBuilder builder(VertxOptions options, PrometheusMeterRegistry registry) {
        MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
                .setEnabled(true)
                .setJvmMetricsEnabled(true)
                .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE,
                        Label.POOL_NAME, Label.EB_ADDRESS, Label.EB_SIDE, Label.EB_FAILURE));
        return Vertx.builder().with(options.setMetricsOptions(metrics))
                .withMetrics(new MicrometerMetricsFactory(registry));
    }

    private static void remember(Vertx vertx, PrometheusMeterRegistry registry) {
        synchronized (REGISTRIES) {
            REGISTRIES.put(vertx, registry);
        }
    }

    /** This Vert.x instance's registry (one is made for an instance built without metrics). */
    public static PrometheusMeterRegistry registry(Vertx vertx) {
        synchronized (REGISTRIES) {
            return REGISTRIES.computeIfAbsent(vertx, v -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        }
    }
}
