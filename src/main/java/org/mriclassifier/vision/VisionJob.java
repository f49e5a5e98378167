package org.mriclassifier.vision;

/**
 * A command for {@code mri.vision.preprocess}: image bytes as uploaded. The bytes are never modified.
 */
public record VisionJob(byte[] bytes) {
}
