package org.mriclassifier.inference;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TensorFlow runner (a worker verticle: the session call blocks its thread). Each instance listens on its
 * own address, {@code mri.model.run.<index>}, so the batcher hands a batch only to a runner that is free.
 * Each batch names its model (the batcher forms batches of one model only, so a model switch never mixes them);
 * TensorFlow sessions are safe to call from several threads.
 */
public final class ModelRunner extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRunner.class);

    private final int index;

    public ModelRunner(int index) {
        this.index = index;
    }

    public static String address(int index) {
        return Addresses.MODEL_RUN_PREFIX + index;
    }

    @Override
    public Future<?> start() {
        return vertx.eventBus().<BatchJob>localConsumer(address(index), this::run).completion();
    }

    private void run(Message<BatchJob> message) {
        BatchJob job = message.body();
        long start = System.nanoTime();
        try {
            Classifier.Scores scores = job.classifier().score(job.pixels(), job.size());
            message.reply(new BatchResult(scores.probabilities(), scores.unfamiliarScores(), System.nanoTime() - start));
        } catch (RuntimeException e) {
            LOG.error("Inference of a batch of {} failed: {}", job.size(), e.toString());
            message.fail(500, new ServiceException(500, "the model failed on this image").toWire());
        }
    }
}
