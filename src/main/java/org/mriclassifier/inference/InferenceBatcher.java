package org.mriclassifier.inference;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;

/**
 * Micro-batching in front of the model (event loop, one instance). Requests on {@code mri.model.infer} wait in
 * a bounded queue; whenever a runner is free it takes up to {@code max_batch} of them as one TensorFlow call.
 * With {@code max_delay_ms} 0 a lone request runs at once and batches form by themselves under load (while
 * the runners are busy); a positive delay holds a small batch that long for company. Past {@code max_queue}
 * waiting requests the answer is an immediate 503 with Retry-After.
 */
public final class InferenceBatcher extends VerticleBase {

    /** A waiting request and the model it runs on; {@code ownLease}: the batcher took the lease and gives it back. */
    private record Pending(Message<InferenceJob> message, long arrivedNanos, ServedModel model, boolean ownLease) {
    }

    private final ServingModels models;
    private final InferenceMetrics metrics;
    private static final long RUNNER_SAFETY_TIMEOUT_MS = 120_000;

    private final Deque<Pending> queue = new ArrayDeque<>();
    /** The queue's size for the metrics gauge, which is read from another thread. */
    private final AtomicInteger queued = new AtomicInteger();
    private final Deque<Integer> idleRunners = new ArrayDeque<>();
    private int maxBatch;
    private int maxQueue;
    private long maxDelayNanos;
    private long timeoutMs;
    private long timerId = -1;

    public InferenceBatcher(ServingModels models, InferenceMetrics metrics) {
        this.models = models;
        this.metrics = metrics;
    }

    @Override
    public Future<?> start() {
        JsonObject inference = config().getJsonObject("inference", new JsonObject());
        maxBatch = Math.max(1, inference.getInteger("max_batch", 32));
        maxQueue = Math.max(1, inference.getInteger("max_queue", 256));
        maxDelayNanos = Math.max(0, inference.getLong("max_delay_ms", 0L)) * 1_000_000;
        timeoutMs = inference.getLong("timeout_ms", 10_000L);
        int runners = Math.max(1, inference.getInteger("runners", 1));
        for (int i = 0; i < runners; i++) {
            idleRunners.add(i);
        }
        metrics.queueDepth(queued::get);
        return Future.all(
                vertx.eventBus().<InferenceJob>localConsumer(Addresses.MODEL_INFER, this::enqueue).completion(),
                Services.serve(vertx.eventBus(), Addresses.MODEL_STATUS, command -> {
                    ModelDescriptor model = models.activeDescriptor();
                    return Future.succeededFuture(new JsonObject().put("loaded", true).put("name", model.name())
                            .put("version", model.version()).put("architecture", model.architecture()));
                }));
    }

    private void enqueue(Message<InferenceJob> message) {
        ServedModel named = message.body().model();
        Pending pending = named != null ? new Pending(message, System.nanoTime(), named, false)
                : new Pending(message, System.nanoTime(), models.acquireActive(), true);
        int pixelsPerImage = pending.model().descriptor().preprocessing().pixelsPerImage();
        if (message.body().pixels().length != pixelsPerImage) {
            message.fail(400, new ServiceException(400, "expected " + pixelsPerImage + " input values").toWire());
            done(pending);
            return;
        }
        if (queue.size() >= maxQueue) {
            metrics.rejected();
            message.fail(503, ServiceException.retryLater(503, "the classifier is at capacity; try again shortly", 1).toWire());
            done(pending);
            return;
        }
        queue.addLast(pending);
        queued.set(queue.size());
        dispatch();
    }

    private void dispatch() {
        while (!idleRunners.isEmpty() && !queue.isEmpty()) {
            long waited = System.nanoTime() - queue.peekFirst().arrivedNanos();
            if (queue.size() < maxBatch && waited < maxDelayNanos) {
                armTimer(maxDelayNanos - waited);
                return;
            }
            runBatch(idleRunners.pollFirst(), takeBatch());
            queued.set(queue.size());
        }
    }

    private void armTimer(long nanos) {
        if (timerId < 0) {
            timerId = vertx.setTimer(Math.max(1, nanos / 1_000_000), id -> {
                timerId = -1;
                dispatch();
            });
        }
    }

    /**
     * Up to max_batch live requests for the model of the oldest one (so one TensorFlow call never mixes models;
     * requests for another model keep their place); those whose caller has certainly given up are dropped, not
     * computed.
     */
    private List<Pending> takeBatch() {
        List<Pending> batch = new ArrayList<>(Math.min(maxBatch, queue.size()));
        long now = System.nanoTime();
        ServedModel model = null;
        for (Iterator<Pending> it = queue.iterator(); it.hasNext() && batch.size() < maxBatch; ) {
            Pending next = it.next();
            if ((now - next.arrivedNanos()) / 1_000_000 > timeoutMs) {
                it.remove();
                metrics.expired();
                next.message().fail(503, ServiceException.retryLater(503, "the classifier is at capacity", 1).toWire());
                done(next);
            } else if (model == null || next.model() == model) {
                it.remove();
                model = next.model();
                batch.add(next);
            }
        }
        return batch;
    }

    /** The request is answered: a lease the batcher took goes back. */
    private void done(Pending pending) {
        if (pending.ownLease()) {
            models.release(pending.model());
        }
    }

    private void runBatch(int runner, List<Pending> batch) {
        if (batch.isEmpty()) {
            idleRunners.addFirst(runner);
            return;
        }
        ServedModel model = batch.get(0).model();
        int pixelsPerImage = model.descriptor().preprocessing().pixelsPerImage();
        float[] pixels = new float[batch.size() * pixelsPerImage];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(batch.get(i).message().body().pixels(), 0, pixels, i * pixelsPerImage, pixelsPerImage);
        }
        long dispatched = System.nanoTime();
        metrics.batch(batch.size());
        Future<Message<BatchResult>> sent;
        try {
            // a runner always answers; the long timeout only frees a runner that hung (and is logged)
            sent = vertx.eventBus().request(ModelRunner.address(runner), new BatchJob(pixels, batch.size(), model.classifier()),
                    new DeliveryOptions().setSendTimeout(RUNNER_SAFETY_TIMEOUT_MS));
        } catch (RuntimeException e) {
            sent = Future.failedFuture(e);
        }
        sent.onComplete(done -> {
            // the runner is free again whatever happened, so a failure never shrinks capacity
            idleRunners.addLast(runner);
            if (done.succeeded()) {
                answer(batch, done.result().body(), dispatched);
            } else {
                ServiceException failure = Services.asReplyFailure(done.cause());
                batch.forEach(p -> {
                    p.message().fail(failure.status(), failure.toWire());
                    done(p);
                });
                metrics.failed(batch.size());
            }
            dispatch();
        });
    }

    private void answer(List<Pending> batch, BatchResult result, long dispatched) {
        metrics.inference(result.inferenceNanos());
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            ModelDescriptor model = p.model().descriptor();
            float probability = result.probabilities()[i];
            String label = probability >= model.decisionThreshold() ? Prediction.TUMOR : Prediction.HEALTHY;
            long queued = dispatched - p.arrivedNanos();
            metrics.queued(queued);
            InferenceJob job = p.message().body();
            double score = result.unfamiliarScores()[i];
            boolean unfamiliar = UnfamiliarInput.flagged(model, score, job.colourfulness(), job.notASlice(), probability);
            metrics.answered(unfamiliar);
            p.message().reply(new Prediction(probability, label, model.version(), batch.size(), queued,
                    result.inferenceNanos(), unfamiliar, score));
            done(p);
        }
    }
}
