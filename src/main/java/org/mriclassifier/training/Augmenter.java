package org.mriclassifier.training;

import java.util.Random;
import org.mriclassifier.vision.OpenCvLoader;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/** Applies an {@link AugmentSpec} to one preprocessed image (square, NHWC floats in [0,1]). */
public final class Augmenter {

    static {
        OpenCvLoader.ensureLoaded();
    }

    private final AugmentSpec spec;

    public Augmenter(AugmentSpec spec) {
        this.spec = spec;
    }

    /** A transformed copy; the input is left as it is. */
    public float[] apply(float[] pixels, int size, int channels, Random random) {
        if (!spec.enabled()) {
            return pixels;
        }
        double angle = (random.nextDouble() * 2 - 1) * spec.rotationDegrees();
        double zoom = 1 + (random.nextDouble() * 2 - 1) * spec.scale();
        boolean flipH = spec.horizontalFlip() && random.nextBoolean();
        boolean flipV = spec.verticalFlip() && random.nextBoolean();
        double gain = 1 + (random.nextDouble() * 2 - 1) * spec.brightness();

        Mat image = new Mat(size, size, CvType.CV_32FC(channels));
        Mat warped = new Mat();
        Mat rotation = Imgproc.getRotationMatrix2D(new Point((size - 1) / 2.0, (size - 1) / 2.0), angle, zoom);
        try {
            image.put(0, 0, pixels);
            Imgproc.warpAffine(image, warped, rotation, new Size(size, size), Imgproc.INTER_LINEAR, Core.BORDER_CONSTANT, Scalar.all(0));
            if (flipH || flipV) {
                Core.flip(warped, warped, flipH && flipV ? -1 : flipH ? 1 : 0);
            }
            float[] out = new float[pixels.length];
            warped.get(0, 0, out);
            for (int i = 0; i < out.length; i++) {
                out[i] = Math.min(1f, Math.max(0f, (float) (out[i] * gain)));
            }
            return out;
        } finally {
            rotation.release();
            warped.release();
            image.release();
        }
    }
}
