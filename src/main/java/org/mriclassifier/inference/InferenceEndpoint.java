package org.mriclassifier.inference;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;
import org.mriclassifier.db.PoolFactory;
import org.mriclassifier.vision.VisionJob;
import org.mriclassifier.vision.VisionResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An inference node's door to the cluster (event loop, one instance): answers {@code mri.inference.classify.<node>}
 * from api nodes by running this node's own OpenCV worker and batcher (local addresses) on the active model, or the
 * version named, and publishes a heartbeat with the version it serves. It follows activations made on other nodes:
 * at once on {@code models.events.activated}, and by reading the registry every {@code cluster.follow_seconds} for an
 * event it missed (a node that was starting, a partition).
 *
 * <p>What it trusts: the request carries no actor and changes nothing; the api node decided who may classify and
 * stores the result. A cluster member (a holder of the cluster's key) can have images classified here, nothing more.
 */
public final class InferenceEndpoint extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceEndpoint.class);

    private final String node = UUID.randomUUID().toString();
    private final Function<String, Future<ServedModel>> lease;
    private final java.util.function.Consumer<ServedModel> release;
    private final Supplier<ModelDescriptor> active;
    private final Function<Pool, Future<Void>> follow;
    private Pool pool;
    private long visionTimeoutMs;
    private long inferenceTimeoutMs;
    private long heartbeatTimer = -1;
    private long followTimer = -1;
    private int inFlight;
    private MessageConsumer<ClassifyRequest> consumer;

    /**
     * @param lease   a lease on a version (null: the active one), loading it when it is registered but not loaded
     * @param follow  serves the registry's active version when it is not the one served here
     */
    public InferenceEndpoint(Function<String, Future<ServedModel>> lease, java.util.function.Consumer<ServedModel> release,
                             Supplier<ModelDescriptor> active, Function<Pool, Future<Void>> follow) {
        this.lease = lease;
        this.release = release;
        this.active = active;
        this.follow = follow;
    }

    public static String address(String node) {
        return Addresses.INFERENCE_CLASSIFY_PREFIX + node;
    }

    @Override
    public Future<?> start() {
        JsonObject cluster = config().getJsonObject("cluster", new JsonObject());
        pool = PoolFactory.shared(vertx, config().getJsonObject("db"));
        visionTimeoutMs = config().getJsonObject("vision", new JsonObject()).getLong("timeout_ms", 10_000L);
        inferenceTimeoutMs = config().getJsonObject("inference", new JsonObject()).getLong("timeout_ms", 10_000L);
        long heartbeatMs = Math.max(100, cluster.getLong("heartbeat_ms", 1_000L));
        long followMs = Math.max(1, cluster.getLong("follow_seconds", 5L)) * 1000;
        vertx.eventBus().<JsonObject>consumer(Addresses.MODELS_EVENTS_ACTIVATED, event -> followNow());
        followTimer = vertx.setPeriodic(followMs, id -> followNow());
        consumer = vertx.eventBus().consumer(address(node), this::classify);
        return consumer.completion().onSuccess(v -> {
            heartbeat(false);
            heartbeatTimer = vertx.setPeriodic(heartbeatMs, id -> heartbeat(false));
            LOG.info("Inference node {} serving model {} to the cluster", node, active.get().version());
        });
    }

    /** Says goodbye first, so api nodes stop sending here before the consumer goes. */
    @Override
    public Future<?> stop() {
        vertx.cancelTimer(heartbeatTimer);
        vertx.cancelTimer(followTimer);
        heartbeat(true);
        return consumer == null ? Future.succeededFuture() : consumer.unregister();
    }

    private void followNow() {
        follow.apply(pool).onFailure(error -> LOG.warn("Cannot serve the registry's active model: {}", error.getMessage()))
                .onSuccess(v -> heartbeat(false));
    }

    private void heartbeat(boolean leaving) {
        ModelDescriptor model = active.get();
        vertx.eventBus().publish(Addresses.INFERENCE_EVENTS_HEARTBEAT, new JsonObject()
                .put("node", node).put("address", address(node)).put("leaving", leaving)
                .put("model_version", model.version()).put("model_name", model.name()).put("in_flight", inFlight));
    }

    private void classify(Message<ClassifyRequest> message) {
        ClassifyRequest request = message.body();
        if (System.currentTimeMillis() > request.deadlineMillis()) {
            message.fail(503, ServiceException.retryLater(503, "the classifier is at capacity; try again shortly", 1).toWire());
            return;
        }
        inFlight++;
        lease.apply(request.modelVersion())
                .compose(model -> classify(request, model).eventually(() -> {
                    release.accept(model);
                    return Future.succeededFuture();
                }))
                .andThen(done -> inFlight--)
                .onSuccess(message::reply)
                .onFailure(error -> {
                    ServiceException failure = Services.asServiceException(error);
                    if (failure.status() >= 500 && failure.status() != 503) {
                        LOG.error("Classification failed for request {}: {}", request.requestId(), error.toString());
                    }
                    message.fail(failure.status(), failure.toWire());
                });
    }

    private Future<ClassifyReply> classify(ClassifyRequest request, ServedModel model) {
        long deadline = Math.min(request.deadlineMillis(), System.currentTimeMillis() + visionTimeoutMs);
        return vertx.eventBus().<VisionResult>request(Addresses.VISION_PREPROCESS,
                        new VisionJob(request.image(), deadline, model.descriptor().preprocessing()),
                        new DeliveryOptions().setSendTimeout(3 * visionTimeoutMs).setLocalOnly(true))
                .recover(error -> Future.failedFuture(Services.asReplyFailure(error)))
                .compose(vision -> vertx.eventBus().<Prediction>request(Addresses.MODEL_INFER,
                                new InferenceJob(vision.body().pixels(), vision.body().colourfulness(), vision.body().notASlice(), model),
                                new DeliveryOptions().setSendTimeout(inferenceTimeoutMs).setLocalOnly(true))
                        .recover(error -> Future.failedFuture(Services.asReplyFailure(error)))
                        .map(prediction -> {
                            VisionResult v = vision.body();
                            return new ClassifyReply(v.stored(), v.sha256(), v.format().contentType(), v.width(), v.height(),
                                    v.notASlice(), v.colourfulness(), v.preprocessNanos(), prediction.body(), node);
                        }));
    }
}
