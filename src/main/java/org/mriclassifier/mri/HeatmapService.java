package org.mriclassifier.mri;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;
import org.mriclassifier.inference.Heatmap;

/**
 * {@code mri.heatmap}: a row's Grad-CAM. The row is read through {@code mri.get} and its bytes through
 * {@code mri.image}, so access and audit are exactly those of reading the row and its image. Drawn maps are kept
 * in memory per (row, row version, model version), least recently used first out beyond {@code heatmap.cache_bytes}:
 * a re-classification moves the row's version on, so its next map is drawn afresh. At most
 * {@code heatmap.max_in_flight} are drawn at once (503 + Retry-After beyond).
 */
public final class HeatmapService extends VerticleBase {

    static final long TIMEOUT_MS = 20_000;

    private long cacheBytesMax;
    private int maxInFlight;
    private int inFlight;
    private long cacheBytes;
    private final Map<String, Heatmap> cache = new LinkedHashMap<>(16, 0.75f, true);

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
                    String key = row.getString("id") + "/" + row.getInteger("version") + "/" + row.getString("model_version");
                    Heatmap cached = cache.get(key);
                    if (cached != null) {
                        return Future.succeededFuture(cached);
                    }
                    if (inFlight >= maxInFlight) {
                        return Future.failedFuture(ServiceException.retryLater(503, "heat maps are busy, try again shortly", 1));
                    }
                    inFlight++;
                    return draw(idCommand).andThen(done -> inFlight--).onSuccess(map -> remember(key, map));
                })
                .onSuccess(message::reply)
                .onFailure(error -> {
                    ServiceException failure = Services.asServiceException(error);
                    message.fail(failure.status(), failure.toWire());
                });
    }

    private Future<Heatmap> draw(JsonObject idCommand) {
        DeliveryOptions timeout = new DeliveryOptions().setSendTimeout(TIMEOUT_MS);
        return vertx.eventBus().<StoredImage>request(Addresses.MRI_IMAGE, idCommand, timeout)
                .compose(image -> vertx.eventBus().<Heatmap>request(Addresses.MODEL_HEATMAP, image.body(), timeout))
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
