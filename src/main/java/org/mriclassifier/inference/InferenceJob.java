package org.mriclassifier.inference;

/**
 * A command for {@code mri.model.infer}: one preprocessed image (NHWC floats in [0,1]), with what the vision step
 * measured that bears on the unfamiliar flag, and the model to run it on.
 *
 * @param colourfulness the image's mean channel spread (0 for grey)
 * @param notASlice     no brain contour was found, or the frame does not look like a slice (the vision step's checks)
 * @param model         a model the caller holds a lease on (and preprocessed for); null: the active one, leased by
 *                      the batcher for this job
 */
public record InferenceJob(float[] pixels, double colourfulness, boolean notASlice, ServedModel model) {

    /** An image with nothing known about it beyond its pixels (an extension's own tensor), for the active model. */
    public InferenceJob(float[] pixels) {
        this(pixels, 0, false, null);
    }

    /** For the active model. */
    public InferenceJob(float[] pixels, double colourfulness, boolean notASlice) {
        this(pixels, colourfulness, notASlice, null);
    }
}
