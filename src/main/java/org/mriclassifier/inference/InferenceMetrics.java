package org.mriclassifier.inference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Classification metrics in the manner of inference servers: requests by outcome, time queued, preprocessing
 * time, inference time per batch, batch sizes and queue depth (all {@code mri_inference_*} /
 * {@code mri_preprocess_*} in /metrics).
 */
public final class InferenceMetrics {

    private final MeterRegistry registry;
    private final Counter rejected;
    private final Counter expired;
    private final Counter failed;
    private final Counter succeeded;
    private final Counter unfamiliar;
    private final Counter familiar;
    private final Timer queue;
    private final Timer inference;
    private final Timer preprocess;
    private final DistributionSummary batchSize;

    public InferenceMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.rejected = outcome("rejected");
        this.expired = outcome("expired");
        this.failed = outcome("failed");
        this.succeeded = outcome("success");
        this.unfamiliar = Counter.builder("mri.inference.unfamiliar").description("Classified images flagged unfamiliar (unlike the model's training data), or not")
                .tag("unfamiliar", "true").register(registry);
        this.familiar = Counter.builder("mri.inference.unfamiliar").description("Classified images flagged unfamiliar (unlike the model's training data), or not")
                .tag("unfamiliar", "false").register(registry);
        this.queue = Timer.builder("mri.inference.queue").description("Time a classification waited for a runner")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
        this.inference = Timer.builder("mri.inference.batch").description("TensorFlow time per batch")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
        this.preprocess = Timer.builder("mri.preprocess").description("Decode + OpenCV preprocessing time per image")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
        this.batchSize = DistributionSummary.builder("mri.inference.batch.size").description("Images per TensorFlow call")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64).register(registry);
    }

    private Counter outcome(String outcome) {
        return Counter.builder("mri.inference.requests").description("Classification requests by outcome")
                .tag("outcome", outcome).register(registry);
    }

    void queueDepth(Supplier<Number> depth) {
        Gauge.builder("mri.inference.queue.depth", depth).description("Classifications waiting for a runner")
                .register(registry);
    }

    void rejected() {
        rejected.increment();
    }

    void expired() {
        expired.increment();
    }

    void failed(int n) {
        failed.increment(n);
    }

    void batch(int size) {
        batchSize.record(size);
    }

    void queued(long nanos) {
        queue.record(nanos, TimeUnit.NANOSECONDS);
        succeeded.increment();
    }

    void answered(boolean flaggedUnfamiliar) {
        (flaggedUnfamiliar ? unfamiliar : familiar).increment();
    }

    void inference(long nanos) {
        inference.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void preprocessed(long nanos) {
        preprocess.record(nanos, TimeUnit.NANOSECONDS);
    }
}
