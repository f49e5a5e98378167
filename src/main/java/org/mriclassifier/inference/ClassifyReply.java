package org.mriclassifier.inference;

/**
 * An inference node's answer to a {@link ClassifyRequest}: what the vision step found (the bytes to store, without
 * their metadata, their SHA-256, format, declared dimensions) and the model's prediction, and which node answered.
 * The network's input tensor stays on the inference node.
 *
 * @param contentType {@code image/png} or {@code image/jpeg}
 */
public record ClassifyReply(byte[] stored, String sha256, String contentType, int width, int height, boolean notASlice,
                            double colourfulness, long preprocessNanos, Prediction prediction, String node) {
}
