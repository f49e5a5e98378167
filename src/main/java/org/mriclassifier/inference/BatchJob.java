package org.mriclassifier.inference;

/** A batch for one inference runner: {@code size} images, flattened NHWC, end to end, all for one model. */
public record BatchJob(float[] pixels, int size, Classifier classifier) {
}
