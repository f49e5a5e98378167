package org.mriclassifier.training;

import org.mriclassifier.vision.PreprocessSpec;
import org.mriclassifier.vision.Preprocessor;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * A 256-bit difference hash (dHash on a 17x16 grid) of the brain crop: re-encoded, resized or slightly re-cropped
 * copies of one scan land within a few bits of each other, unlike their SHA-256. (A 64-bit hash proved too coarse:
 * different slices of similar shape collided at 4 bits.)
 */
public final class PerceptualHash {

    // fixed, whatever the model's own spec, so that duplicate groups (and hence splits) do not depend on the model
    private static final PreprocessSpec HASH_SPEC = PreprocessSpec.original().withChannels(1);

    private PerceptualHash() {
    }

    public static final int BITS = 256;
    private static final int ROWS = 16;
    private static final int COLUMNS = ROWS + 1;

    public static long[] of(Mat bgr) {
        float[] crop = Preprocessor.preprocess(bgr, HASH_SPEC).pixels();
        int side = HASH_SPEC.outputSize();
        Mat full = new Mat(side, side, CvType.CV_32F);
        Mat small = new Mat();
        try {
            full.put(0, 0, crop);
            Imgproc.resize(full, small, new Size(COLUMNS, ROWS), 0, 0, Imgproc.INTER_AREA);
            float[] cells = new float[ROWS * COLUMNS];
            small.get(0, 0, cells);
            long[] hash = new long[BITS / Long.SIZE];
            int bit = 0;
            for (int row = 0; row < ROWS; row++) {
                for (int col = 0; col < ROWS; col++, bit++) {
                    if (cells[row * COLUMNS + col] > cells[row * COLUMNS + col + 1]) {
                        hash[bit / Long.SIZE] |= 1L << (bit % Long.SIZE);
                    }
                }
            }
            return hash;
        } finally {
            small.release();
            full.release();
        }
    }

    public static int distance(long[] a, long[] b) {
        int bits = 0;
        for (int i = 0; i < a.length; i++) {
            bits += Long.bitCount(a[i] ^ b[i]);
        }
        return bits;
    }
}
