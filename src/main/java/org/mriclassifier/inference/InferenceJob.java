package org.mriclassifier.inference;

/**
 * A command for {@code mri.model.infer}: one preprocessed image (NHWC floats in [0,1]), with what the vision step
 * measured that bears on the unfamiliar flag.
 *
 * @param colourfulness the image's mean channel spread (0 for grey)
 * @param notASlice     no brain contour was found, or the frame does not look like a slice (the vision step's checks)
 */
public record InferenceJob(float[] pixels, double colourfulness, boolean notASlice) {

    /** An image with nothing known about it beyond its pixels (an extension's own tensor). */
    public InferenceJob(float[] pixels) {
        this(pixels, 0, false);
    }
}
