package org.mriclassifier.vision;

/**
 * A command for {@code mri.vision.preprocess}: image bytes as uploaded (never modified), and the instant (epoch
 * milliseconds) after which nobody waits for the answer any more: a worker that reaches the job later skips it.
 */
public record VisionJob(byte[] bytes, long deadlineMillis) {
}
