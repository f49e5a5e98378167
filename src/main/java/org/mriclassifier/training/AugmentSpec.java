package org.mriclassifier.training;

/**
 * Random changes applied to training images only, each epoch anew.
 *
 * @param enabled          master switch
 * @param rotationDegrees  rotation drawn from [-r, r]
 * @param horizontalFlip   mirror left-right with probability 1/2 (brains are roughly symmetric)
 * @param verticalFlip     mirror top-bottom with probability 1/2
 * @param scale            zoom factor drawn from [1-s, 1+s]
 * @param brightness       intensity factor drawn from [1-b, 1+b]
 * @param intensity        intensity, contrast and quality changes after the geometric ones
 */
public record AugmentSpec(boolean enabled, double rotationDegrees, boolean horizontalFlip, boolean verticalFlip,
                          double scale, double brightness, IntensityAugment intensity) {

    public AugmentSpec(boolean enabled, double rotationDegrees, boolean horizontalFlip, boolean verticalFlip, double scale, double brightness) {
        this(enabled, rotationDegrees, horizontalFlip, verticalFlip, scale, brightness, IntensityAugment.none());
    }

    public static AugmentSpec none() {
        return new AugmentSpec(false, 0, false, false, 0, 0);
    }
}
