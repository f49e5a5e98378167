package org.mriclassifier.examples;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * An example of a verticle of someone else's extending the server over the event bus (docs/EXTENDING.md): it
 * listens to every classification and publishes an alert on {@code example.alerts.tumor} when the model's
 * probability of tumor reaches a threshold, e.g. for a ward's notification service or a PACS bridge.
 * It needs nothing from the server but the event's JSON.
 */
public final class TumorAlertVerticle extends VerticleBase {

    public static final String CLASSIFIED = "mri.events.classified";
    public static final String ALERTS = "example.alerts.tumor";

    @Override
    public Future<?> start() {
        double threshold = config().getDouble("threshold", 0.9);
        return vertx.eventBus().<JsonObject>consumer(CLASSIFIED, event -> {
            JsonObject classified = event.body();
            if (classified.getDouble("probability") >= threshold) {
                vertx.eventBus().publish(ALERTS, new JsonObject()
                        .put("mri_id", classified.getString("id"))
                        .put("hospital", classified.getString("hospital"))
                        .put("probability", classified.getDouble("probability"))
                        .put("model_version", classified.getString("model_version")));
            }
        }).completion();
    }
}
