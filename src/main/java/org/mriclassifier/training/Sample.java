package org.mriclassifier.training;

/**
 * A loaded, preprocessed image.
 *
 * @param file           where it came from and its label
 * @param sha256         hash of the file's bytes: equal hashes are exact duplicates
 * @param perceptualHash 256-bit difference hash of the brain crop: a small Hamming distance means a near-duplicate
 * @param pixels         the network input (NHWC for one image)
 * @param fallback       true when the preprocessing found no brain contour and used the whole image
 */
public record Sample(ImageFile file, String sha256, long[] perceptualHash, float[] pixels, boolean fallback) {

    public Label label() {
        return file.label();
    }

    public String dataset() {
        return file.dataset();
    }
}
