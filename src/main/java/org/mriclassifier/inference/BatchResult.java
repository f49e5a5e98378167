package org.mriclassifier.inference;

/**
 * A runner's answer: one calibrated tumor probability and one unfamiliar score (NaN without a detector) per image of
 * the batch, and the time the model took.
 */
public record BatchResult(float[] probabilities, double[] unfamiliarScores, long inferenceNanos) {
}
