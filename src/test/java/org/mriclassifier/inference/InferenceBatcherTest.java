package org.mriclassifier.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.Codecs;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.testing.TestServer;

/**
 * Micro-batching and its bound, with the real batcher in front of a runner that takes its time (a consumer on
 * the runner's address answering after 200 ms, as a slow TensorFlow call would): requests that arrive while the
 * runner is busy leave together as one batch, and past the queue's bound the answer is an immediate 503.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
@DisplayName("The inference batcher groups waiting requests into batches and refuses past its queue")
class InferenceBatcherTest {

    @Test
    @DisplayName("20 requests at once, queue of 8, batches of up to 4: 9 answered in batches of 1, 4, 4; 11 refused at once")
    void batchesAndBound(Vertx vertx, VertxTestContext ctx) throws Exception {
        ModelDescriptor model = ModelDescriptors.read(Path.of(TestServer.modelDir()));
        int pixels = model.preprocessing().pixelsPerImage();
        Codecs.register(vertx.eventBus());
        List<Integer> batchSizes = new ArrayList<>();
        vertx.eventBus().<BatchJob>localConsumer(ModelRunner.address(0), (Message<BatchJob> job) -> {
            batchSizes.add(job.body().size());
            vertx.setTimer(200, t -> job.reply(new BatchResult(new float[job.body().size()], new double[job.body().size()], 200_000_000L)));
        });
        JsonObject config = new JsonObject().put("inference", new JsonObject()
                .put("runners", 1).put("max_batch", 4).put("max_queue", 8).put("max_delay_ms", 0).put("timeout_ms", 10_000));
        ServingModels models = new ServingModels(Classifier.load(Path.of(TestServer.modelDir()), 1, 1), Runnable::run);
        vertx.deployVerticle(new InferenceBatcher(models, new InferenceMetrics(new SimpleMeterRegistry())),
                        new DeploymentOptions().setConfig(config))
                .compose(id -> {
                    List<Future<Long>> answers = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        long sent = System.nanoTime();
                        answers.add(vertx.eventBus().<Prediction>request(Addresses.MODEL_INFER, new InferenceJob(new float[pixels]),
                                        new DeliveryOptions().setSendTimeout(5_000))
                                .map(reply -> (long) reply.body().batchSize())
                                .recover(e -> {
                                    long ms = (System.nanoTime() - sent) / 1_000_000;
                                    int code = e instanceof ReplyException r ? r.failureCode() : -1;
                                    String wire = e.getMessage();
                                    // "at once": well before the 10 s expiry that would otherwise answer a queued request (a busy CI machine
                                    // can take a few hundred ms to send and refuse twenty)
                                    return Future.succeededFuture(code == 503 && ms < 2_000
                                            && ServiceException.fromWire(code, wire).retryAfterSeconds() != null ? -503L : -1L);
                                }));
                    }
                    return Future.all(answers).map(v -> answers.stream().map(Future::result).toList());
                })
                .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
                    models.close();
                    long refusedQuickly = results.stream().filter(r -> r == -503L).count();
                    assertEquals(11, refusedQuickly, results.toString());
                    assertEquals(List.of(1, 4, 4), batchSizes, "the first runs alone, the waiting ones leave together");
                    assertTrue(results.stream().allMatch(r -> r == -503L || r == 1L || r == 4L), results.toString());
                    ctx.completeNow();
                })));
    }
}
