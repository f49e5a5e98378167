package org.mriclassifier.inference;

/** A command for {@code mri.model.infer}: one preprocessed image (NHWC floats in [0,1]). */
public record InferenceJob(float[] pixels) {
}
