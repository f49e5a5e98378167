package org.mriclassifier.models;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code mri_model_performance{version, hospital, figure}} in /metrics: the figures of
 * {@code GET /models/{version}/performance} without filters (hospital "all" and each hospital), as last computed
 * (every {@code models.performance_refresh_seconds} for the active model, and whenever an admin reads a model's
 * unfiltered performance). A figure with nothing to measure is NaN.
 */
final class PerformanceGauges {

    private static final String[] FIGURES = {"sensitivity", "specificity", "accuracy", "auc", "unfamiliar_share"};

    private final MeterRegistry registry;
    private final Map<String, AtomicReference<Double>> values = new ConcurrentHashMap<>();

    PerformanceGauges(MeterRegistry registry) {
        this.registry = registry;
    }

    void update(String version, JsonObject report) {
        // a hospital that is gone from the report keeps its gauges, at NaN: no stale figure looks current
        String prefix = version + "\u0000";
        values.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                value.set(Double.NaN);
            }
        });
        set(version, "all", report);
        JsonObject byHospital = report.getJsonObject("by_hospital", new JsonObject());
        for (String hospital : byHospital.fieldNames()) {
            set(version, hospital, byHospital.getJsonObject(hospital));
        }
    }

    private void set(String version, String hospital, JsonObject figures) {
        gauge(version, hospital, "n").set(figures.getInteger("n").doubleValue());
        for (String figure : FIGURES) {
            JsonObject f = figures.getJsonObject(figure);
            gauge(version, hospital, figure).set(f == null ? Double.NaN : f.getDouble("value"));
        }
    }

    private AtomicReference<Double> gauge(String version, String hospital, String figure) {
        return values.computeIfAbsent(version + "\u0000" + hospital + "\u0000" + figure, key -> {
            AtomicReference<Double> holder = new AtomicReference<>(Double.NaN);
            Gauge.builder("mri.model.performance", holder, AtomicReference::get)
                    .description("A model's measured performance on rows with a confirmed class (see GET /models/{version}/performance)")
                    .tag("version", version).tag("hospital", hospital).tag("figure", figure)
                    .register(registry);
            return holder;
        });
    }
}
