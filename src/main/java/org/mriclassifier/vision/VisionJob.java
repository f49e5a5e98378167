package org.mriclassifier.vision;

/**
 * A command for {@code mri.vision.preprocess}: image bytes as uploaded (never modified), the instant (epoch
 * milliseconds) after which nobody waits for the answer any more (a worker that reaches the job later skips it),
 * and the preprocessing of the model the image is for (null: the active model's).
 */
public record VisionJob(byte[] bytes, long deadlineMillis, PreprocessSpec spec) {

    public VisionJob(byte[] bytes, long deadlineMillis) {
        this(bytes, deadlineMillis, null);
    }
}
