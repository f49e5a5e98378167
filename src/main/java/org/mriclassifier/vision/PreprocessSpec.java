package org.mriclassifier.vision;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * Every parameter of the preprocessing pipeline. A model's descriptor carries the spec it was trained
 * with, so serving preprocesses exactly as training did.
 *
 * @param workingSize            side of the square frame the contour search runs in (the original: 256)
 * @param blurKernel             Gaussian blur kernel side, odd (the original: 5)
 * @param threshold              grey level above which a pixel counts as brain (the original: 45)
 * @param erodeIterations        erosions that remove speckle before the contour search (the original: 2)
 * @param dilateIterations       dilations that restore the eroded brain outline (the original: 2)
 * @param morphKernel            side of the square structuring element for erode/dilate (OpenCV's default: 3)
 * @param crop                   whether to crop to the largest contour's extreme points at all
 * @param minContourAreaFraction a largest contour smaller than this share of the frame is noise, not a brain:
 *                               the whole frame is used instead (a guard the original lacked)
 * @param outputSize             side of the square network input
 * @param channels               1 (grey) or 3 (colour, OpenCV's BGR order as the original's cv2.imread gave it)
 * @param claheClipLimit         contrast-limited adaptive histogram equalisation of the network input, applied to each
 *                               channel after the final resize: OpenCV's clip limit, 0 = off (the original: off). It
 *                               evens out the grey levels that differ between scanners and sources.
 * @param claheTiles             CLAHE's tile grid, claheTiles x claheTiles (OpenCV's default: 8); a descriptor written
 *                               before these two fields existed reads as CLAHE off
 */
public record PreprocessSpec(
        int workingSize,
        int blurKernel,
        int threshold,
        int erodeIterations,
        int dilateIterations,
        int morphKernel,
        boolean crop,
        double minContourAreaFraction,
        int outputSize,
        int channels,
        double claheClipLimit,
        int claheTiles) {

    /** CLAHE's tile grid when none is given. */
    public static final int DEFAULT_CLAHE_TILES = 8;

    public PreprocessSpec {
        require(workingSize >= 16, "workingSize must be at least 16");
        require(blurKernel >= 1 && blurKernel % 2 == 1, "blurKernel must be odd and positive");
        require(threshold >= 0 && threshold <= 255, "threshold must be a grey level 0..255");
        require(erodeIterations >= 0 && dilateIterations >= 0, "erode/dilate iterations must not be negative");
        require(morphKernel >= 1, "morphKernel must be positive");
        require(minContourAreaFraction >= 0 && minContourAreaFraction < 1, "minContourAreaFraction must be in [0,1)");
        require(outputSize >= 4 && outputSize <= 1024, "outputSize must be in 4..1024");
        require(channels == 1 || channels == 3, "channels must be 1 or 3");
        require(claheClipLimit >= 0 && claheClipLimit <= 40, "claheClipLimit must be in 0..40 (0 = off)");
        if (claheTiles == 0) {
            claheTiles = DEFAULT_CLAHE_TILES;
        }
        require(claheTiles >= 1 && (claheClipLimit == 0 || claheTiles <= outputSize), "claheTiles must be in 1..outputSize");
    }

    /** The original project's pipeline: 256 working frame, blur 5, threshold 45, 2 erosions, 2 dilations, 32x32 colour. */
    public static PreprocessSpec original() {
        return new PreprocessSpec(256, 5, 45, 2, 2, 3, true, 0.01, 32, 3, 0, DEFAULT_CLAHE_TILES);
    }

    public PreprocessSpec withOutputSize(int size) {
        return new PreprocessSpec(workingSize, blurKernel, threshold, erodeIterations, dilateIterations, morphKernel,
                crop, minContourAreaFraction, size, channels, claheClipLimit, claheTiles);
    }

    public PreprocessSpec withChannels(int channelCount) {
        return new PreprocessSpec(workingSize, blurKernel, threshold, erodeIterations, dilateIterations, morphKernel,
                crop, minContourAreaFraction, outputSize, channelCount, claheClipLimit, claheTiles);
    }

    /** The same pipeline with CLAHE at this clip limit (0 = off) on a tiles x tiles grid. */
    public PreprocessSpec withClahe(double clipLimit, int tiles) {
        return new PreprocessSpec(workingSize, blurKernel, threshold, erodeIterations, dilateIterations, morphKernel,
                crop, minContourAreaFraction, outputSize, channels, clipLimit, tiles);
    }

    /** Whether the network input is contrast-equalised. */
    @JsonIgnore
    public boolean clahe() {
        return claheClipLimit > 0;
    }

    /** Floats one preprocessed image occupies: outputSize * outputSize * channels. */
    @JsonIgnore
    public int pixelsPerImage() {
        return outputSize * outputSize * channels;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
