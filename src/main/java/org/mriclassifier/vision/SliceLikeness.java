package org.mriclassifier.vision;

import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfDouble;
import org.opencv.core.Rect;

/**
 * Whether a grey working frame looks like an MRI slice at all, judged before any network sees it, for any model:
 * a slice is a head on a dark background, with contrast and many grey levels. A frame fails when its outer band is
 * bright (a page of text, a photograph, noise, a chessboard, a gradient), when it is nearly uniform (a blank), or
 * when its histogram holds only a few grey levels (a chart, a drawing, a screenshot).
 *
 * <p>The limits sit outside what the real slices here measure (256 px working frame, `SliceLikeness` figures in
 * docs/MODEL.md): outer band mean 0.311 of white at the 99.9th percentile of brain-mri-7k (its largest 0.503) and
 * 0.563 at the 99th of brain-mri-253, whose scans include a few on white; contrast (standard deviation) at least
 * 0.080; histogram entropy 3.7 to 4.0 bits at the first percentile (a few slices, under 1%, hold fewer levels
 * and are flagged: the flag asks for a second look, it refuses nothing).
 */
public final class SliceLikeness {

    /** Outer band, as a share of the frame's side, whose mean must stay dark. */
    static final double BAND = 0.04;
    /** Largest mean of the outer band, as a share of white. */
    static final double BRIGHT_FRAME_LIMIT = 0.45;
    /** Smallest standard deviation of the frame, as a share of white. */
    static final double MIN_CONTRAST = 0.04;
    /** Fewest bits of histogram entropy. */
    static final double MIN_ENTROPY_BITS = 3.2;

    private SliceLikeness() {
    }

    /** @param grey an 8-bit single-channel frame */
    public static boolean plausible(Mat grey) {
        return frameBrightness(grey) <= BRIGHT_FRAME_LIMIT && contrast(grey) >= MIN_CONTRAST && entropyBits(grey) >= MIN_ENTROPY_BITS;
    }

    static double frameBrightness(Mat grey) {
        int band = Math.max(1, (int) Math.round(Math.min(grey.rows(), grey.cols()) * BAND));
        double total = Core.sumElems(grey).val[0];
        double inner = 0;
        long innerPixels = 0;
        if (grey.rows() > 2 * band && grey.cols() > 2 * band) {
            Mat centre = grey.submat(new Rect(band, band, grey.cols() - 2 * band, grey.rows() - 2 * band));
            try {
                inner = Core.sumElems(centre).val[0];
                innerPixels = centre.total();
            } finally {
                centre.release();
            }
        }
        long bandPixels = grey.total() - innerPixels;
        return (total - inner) / bandPixels / 255.0;
    }

    static double contrast(Mat grey) {
        MatOfDouble mean = new MatOfDouble();
        MatOfDouble deviation = new MatOfDouble();
        try {
            Core.meanStdDev(grey, mean, deviation);
            return deviation.get(0, 0)[0] / 255.0;
        } finally {
            mean.release();
            deviation.release();
        }
    }

    static double entropyBits(Mat grey) {
        if (grey.type() != CvType.CV_8UC1) {
            throw new IllegalArgumentException("expected an 8-bit grey frame, got " + grey);
        }
        byte[] pixels = new byte[(int) grey.total()];
        Mat continuous = grey.isContinuous() ? grey : grey.clone();
        try {
            continuous.get(0, 0, pixels);
        } finally {
            if (continuous != grey) {
                continuous.release();
            }
        }
        int[] histogram = new int[256];
        for (byte pixel : pixels) {
            histogram[pixel & 0xff]++;
        }
        double bits = 0;
        for (int count : histogram) {
            if (count > 0) {
                double share = count / (double) pixels.length;
                bits -= share * Math.log(share);
            }
        }
        return bits / Math.log(2);
    }
}
