package org.mriclassifier.training;

/**
 * Random changes to intensities, contrast and image quality, strong enough that a scanner's or a sequence's look
 * (T1, T2, FLAIR; one vendor's contrast curve, another's noise and compression) stops telling the network the class.
 * Each is drawn per image and epoch. The background (near-black after cropping) stays black.
 *
 * @param gamma          with probability 1/2, intensities are raised to a power e^u, u uniform in [-gamma, gamma]
 * @param curve          probability of a random piecewise-linear intensity curve through 0 (instead of gamma)
 * @param nonMonotone    share of those curves that are not monotone (contrast reversed in part of the range)
 * @param invert         probability of inverting the brain's intensities (T1 against T2 contrast)
 * @param blur           probability of a Gaussian blur with sigma in [0.5, 1.5] pixels
 * @param noise          largest standard deviation of added Gaussian noise (0 = none), drawn uniformly per image
 * @param resample       probability of downscaling to 35-90% and back (a coarser acquisition)
 * @param jpeg           probability of JPEG recompression at quality 30-90
 */
public record IntensityAugment(double gamma, double curve, double nonMonotone, double invert, double blur, double noise,
                               double resample, double jpeg) {

    public IntensityAugment {
        for (double p : new double[] {curve, nonMonotone, invert, blur, resample, jpeg}) {
            if (p < 0 || p > 1) {
                throw new IllegalArgumentException("augmentation probabilities must lie in [0, 1]: " + this);
            }
        }
        if (gamma < 0 || noise < 0) {
            throw new IllegalArgumentException("augmentation strengths must not be negative: " + this);
        }
    }

    public static IntensityAugment none() {
        return new IntensityAugment(0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** The strong setting that `--intensity strong` names. */
    public static IntensityAugment strong() {
        return new IntensityAugment(0.7, 0.5, 0.3, 0.2, 0.3, 0.04, 0.3, 0.3);
    }

    public boolean any() {
        return gamma > 0 || curve > 0 || invert > 0 || blur > 0 || noise > 0 || resample > 0 || jpeg > 0;
    }
}
