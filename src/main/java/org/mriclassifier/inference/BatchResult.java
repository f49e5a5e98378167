package org.mriclassifier.inference;

/** A runner's answer: one tumor probability per image of the batch, and the time the model took. */
public record BatchResult(float[] probabilities, long inferenceNanos) {
}
