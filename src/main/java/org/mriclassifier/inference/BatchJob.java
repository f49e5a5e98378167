package org.mriclassifier.inference;

/** A batch for one inference runner: {@code size} images, flattened NHWC, end to end. */
public record BatchJob(float[] pixels, int size) {
}
