package org.mriclassifier.vision;

/**
 * One preprocessed image, ready for the network.
 *
 * @param pixels   NHWC floats of one image (height, width, channels) in [0,1]; length size*size*channels
 * @param size     side of the square image
 * @param channels 1 or 3
 * @param crop     the region of the working frame that was kept
 * @param fallback true when no usable brain contour was found and the whole frame was used
 * @param colourfulness mean spread between the colour channels, 0 for grey, up to 1: MRI slices are grey, photographs are not
 * @param sliceLike false when the frame does not look like a slice at all ({@link SliceLikeness}: bright border, blank, few grey levels)
 */
public record Preprocessed(float[] pixels, int size, int channels, CropBounds crop, boolean fallback, double colourfulness,
                           boolean sliceLike) {

    /** No brain contour, or not slice-like: either makes the prediction unfamiliar. */
    public boolean notASlice() {
        return fallback || !sliceLike;
    }

    public Preprocessed {
        if (pixels.length != size * size * channels) {
            throw new IllegalArgumentException("pixels length " + pixels.length + " does not match " + size + "x" + size + "x" + channels);
        }
    }
}
