package org.mriclassifier.training;

/**
 * A loaded, preprocessed image.
 *
 * @param file           where it came from and its label
 * @param sha256         hash of the file's bytes: equal hashes are exact duplicates
 * @param perceptualHash 256-bit difference hash of the brain crop: a small Hamming distance means a near-duplicate
 * @param pixels         the network input (NHWC for one image)
 * @param notASlice      true when the preprocessing found no brain contour, or the frame does not look like a slice
 * @param colourfulness  the image's mean channel spread (0 for grey; see the unfamiliar-input checks)
 */
public record Sample(ImageFile file, String sha256, long[] perceptualHash, float[] pixels, boolean notASlice, double colourfulness) {

    public Sample(ImageFile file, String sha256, long[] perceptualHash, float[] pixels, boolean notASlice) {
        this(file, sha256, perceptualHash, pixels, notASlice, 0);
    }

    public Label label() {
        return file.label();
    }

    public String dataset() {
        return file.dataset();
    }
}
