package org.mriclassifier.inference;

/**
 * A command for {@code mri.inference.classify.<node>}, from an api node to an inference node: the image bytes as
 * uploaded, the instant (epoch milliseconds) after which nobody waits for the answer, the model version to run
 * (null: the one the node serves as active) and the request id for the inference node's log.
 */
public record ClassifyRequest(byte[] image, long deadlineMillis, String modelVersion, String requestId) {
}
