package org.mriclassifier.inference;

/**
 * A command for {@code mri.model.infer}: one preprocessed image (NHWC floats in [0,1]), with what the vision step
 * measured that bears on the unfamiliar flag.
 *
 * @param colourfulness the image's mean channel spread (0 for grey)
 * @param noContour     no brain contour was found: the whole image was used
 */
public record InferenceJob(float[] pixels, double colourfulness, boolean noContour) {

    /** An image with nothing known about it beyond its pixels (an extension's own tensor). */
    public InferenceJob(float[] pixels) {
        this(pixels, 0, false);
    }
}
