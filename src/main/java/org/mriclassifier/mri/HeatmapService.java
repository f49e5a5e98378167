package org.mriclassifier.mri;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;
import org.mriclassifier.db.DbErrors;
import org.mriclassifier.inference.Heatmap;
import org.mriclassifier.inference.HeatmapJob;
import org.mriclassifier.inference.ServedModel;
import org.mriclassifier.inference.ServingModels;

/**
 * {@code mri.heatmap}: a row's Grad-CAM. The row is read through {@code mri.get} and its bytes through
 * {@code mri.image}, so access and audit are exactly those of reading the row and its image. The map is drawn on the
 * model that classified the row when that version is loaded, otherwise on the active one (its version is in the
 * reply); the lease on it goes with the job and the worker gives it back when it is done (after a timeout here too),
 * so a model switch meanwhile does not close it under the worker. Drawn maps are kept in memory per (row, row version, model version), least recently used first out beyond
 * {@code heatmap.cache_bytes}: a re-classification moves the row's version on, so its next map is drawn afresh. At most
 * {@code heatmap.max_in_flight} are drawn at once (503 + Retry-After beyond).
 */
public final class HeatmapService extends VerticleBase {

    static final long TIMEOUT_MS = 20_000;

    private long cacheBytesMax;
    private int maxInFlight;
    private int inFlight;
    private long cacheBytes;
    private final Map<String, Heatmap> cache = new LinkedHashMap<>(16, 0.75f, true);
    private final ServingModels models;

    public HeatmapService(ServingModels models) {
        this.models = models;
    }

    @Override
    public Future<?> start() {
        JsonObject conf = config().getJsonObject("heatmap", new JsonObject());
        cacheBytesMax = conf.getLong("cache_bytes", 64L << 20);
        maxInFlight = conf.getInteger("max_in_flight", 4);
        return vertx.eventBus().<JsonObject>localConsumer(Addresses.MRI_HEATMAP, this::heatmap).completion();
    }

    private void heatmap(Message<JsonObject> message) {
        JsonObject command = message.body();
        JsonObject idCommand = new JsonObject().put("id", command.getValue("id")).put("actor", command.getValue("actor"));
        Services.call(vertx.eventBus(), Addresses.MRI_GET, idCommand.copy(), TIMEOUT_MS)
                .compose(row -> {
                    String classifiedBy = row.getString("model_version");
                    ServedModel model = (classifiedBy == null ? Optional.<ServedModel>empty()
                            : models.acquire(classifiedBy)).orElseGet(models::acquireActive);
                    String key = row.getString("id") + "/" + row.getInteger("version") + "/" + model.version();
                    Heatmap cached = cache.get(key);
                    if (cached != null) {
                        models.release(model);
                        return Future.succeededFuture(cached);
                    }
                    if (inFlight >= maxInFlight) {
                        models.release(model);
                        return Future.failedFuture(ServiceException.retryLater(503, "heat maps are busy, try again shortly", 1));
                    }
                    inFlight++;
                    return draw(idCommand, model)
                            .andThen(done -> inFlight--)
                            .onSuccess(map -> remember(key, map));
                })
                .onSuccess(message::reply)
                .onFailure(error -> {
                    ServiceException failure = DbErrors.asServiceException(error);
                    message.fail(failure.status(), failure.toWire());
                });
    }

    /**
     * The lease on {@code model} goes with the job to the worker, which gives it back when it is done; it is given
     * back here only when the job never reached the worker (the bytes could not be read, or no worker listens).
     */
    private Future<Heatmap> draw(JsonObject idCommand, ServedModel model) {
        DeliveryOptions timeout = new DeliveryOptions().setSendTimeout(TIMEOUT_MS);
        return vertx.eventBus().<StoredImage>request(Addresses.MRI_IMAGE, idCommand, timeout)
                .onFailure(error -> models.release(model))
                .compose(image -> vertx.eventBus().<Heatmap>request(Addresses.MODEL_HEATMAP,
                                new HeatmapJob(image.body().id(), image.body().bytes(), model), timeout)
                        .onFailure(error -> {
                            if (error instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
                                models.release(model);
                            }
                        }))
                .recover(error -> Future.failedFuture(Services.asReplyFailure(error)))
                .map(Message::body);
    }

    private void remember(String key, Heatmap map) {
        if (map.bytes() > cacheBytesMax) {
            return;
        }
        Heatmap previous = cache.put(key, map);
        cacheBytes += map.bytes() - (previous == null ? 0 : previous.bytes());
        var eldest = cache.entrySet().iterator();
        while (cacheBytes > cacheBytesMax && eldest.hasNext()) {
            cacheBytes -= eldest.next().getValue().bytes();
            eldest.remove();
        }
    }
}
