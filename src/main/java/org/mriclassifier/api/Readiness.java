package org.mriclassifier.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.sqlclient.Pool;
import java.util.function.Supplier;
import org.mriclassifier.lifecycle.Lifecycle;

/**
 * Readiness: the database answers, the model is loaded (when the server serves one) and the server is not
 * shutting down. Each check has a short timeout, so a hung dependency reads as DOWN, not as a hung probe.
 */
final class Readiness {

    private static final long CHECK_TIMEOUT_MS = 2_000;
    private final HealthChecks checks;

    /**
     * @param modelLoaded the model's state: {@code loaded}, the version served ({@code version}, or on an api node of a
     *                    cluster the live {@code inference_nodes} with theirs) and, when not loaded, the {@code reason}
     */
    Readiness(Vertx vertx, Pool pool, Lifecycle lifecycle, Supplier<Future<JsonObject>> modelLoaded) {
        checks = HealthChecks.create(vertx);
        checks.register("accepting", CHECK_TIMEOUT_MS, p -> p.complete(lifecycle.accepting() ? Status.OK() : Status.KO()));
        checks.register("database", CHECK_TIMEOUT_MS, p -> pool.query("SELECT 1").execute()
                .onSuccess(rows -> p.tryComplete(Status.OK()))
                .onFailure(e -> p.tryComplete(Status.KO(new JsonObject().put("reason", "unreachable")))));
        if (modelLoaded != null) {
            checks.register("model", CHECK_TIMEOUT_MS, p -> modelLoaded.get()
                    .onSuccess(state -> {
                        JsonObject data = state.copy();
                        boolean ok = Boolean.TRUE.equals(data.remove("loaded"));
                        if (!ok && data.getString("reason") == null) {
                            data.put("reason", "loading");
                        }
                        if (data.getValue("reason") == null) {
                            data.remove("reason");
                        }
                        p.tryComplete(ok ? Status.OK(data) : Status.KO(data));
                    })
                    .onFailure(e -> p.tryComplete(Status.KO(new JsonObject().put("reason", "unavailable")))));
        }
    }

    /** {@code {"status": "UP"|"DOWN", "checks": [{"id", "status"}...]}} and whether all are up. */
    Future<JsonObject> check() {
        return checks.checkStatus().map(result -> {
            JsonObject json = result.toJson();
            return new JsonObject()
                    .put("status", result.getUp() ? "UP" : "DOWN")
                    .put("checks", json.getJsonArray("checks"));
        });
    }
}
