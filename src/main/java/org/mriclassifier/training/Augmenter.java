package org.mriclassifier.training;

import java.util.Random;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.imgcodecs.Imgcodecs;
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
            IntensityAugment intensity = spec.intensity();
            return intensity != null && intensity.any() ? intensity(out, size, channels, intensity, random) : out;
        } finally {
            rotation.release();
            warped.release();
            image.release();
        }
    }

    // below this a pixel is background (black after cropping): curves, inversion keep it black
    private static final float FOREGROUND = 0.04f;
    private static final int CURVE_KNOTS = 6;

    /** Intensity, contrast and quality changes, in place on {@code out}; returns it. */
    static float[] intensity(float[] out, int size, int channels, IntensityAugment a, Random random) {
        boolean useCurve = random.nextDouble() < a.curve();
        if (useCurve) {
            float[] knots = curve(random, random.nextDouble() < a.nonMonotone());
            for (int i = 0; i < out.length; i++) {
                if (out[i] > FOREGROUND) {
                    out[i] = lookUp(knots, out[i]);
                }
            }
        } else if (a.gamma() > 0 && random.nextBoolean()) {
            double power = Math.exp((random.nextDouble() * 2 - 1) * a.gamma());
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) Math.pow(out[i], power);
            }
        }
        if (random.nextDouble() < a.invert()) {
            for (int i = 0; i < out.length; i++) {
                if (out[i] > FOREGROUND) {
                    out[i] = Math.max(FOREGROUND, 1f - out[i]);
                }
            }
        }
        boolean blur = random.nextDouble() < a.blur();
        double sigma = 0.5 + random.nextDouble();
        boolean resample = random.nextDouble() < a.resample();
        double factor = 0.35 + random.nextDouble() * 0.55;
        if (blur || resample) {
            Mat image = new Mat(size, size, CvType.CV_32FC(channels));
            Mat small = new Mat();
            try {
                image.put(0, 0, out);
                if (blur) {
                    Imgproc.GaussianBlur(image, image, new Size(0, 0), sigma);
                }
                if (resample) {
                    int side = Math.max(4, (int) Math.round(size * factor));
                    Imgproc.resize(image, small, new Size(side, side), 0, 0, Imgproc.INTER_AREA);
                    Imgproc.resize(small, image, new Size(size, size), 0, 0, Imgproc.INTER_LINEAR);
                }
                image.get(0, 0, out);
            } finally {
                small.release();
                image.release();
            }
        }
        if (a.noise() > 0) {
            double deviation = random.nextDouble() * a.noise();
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (out[i] + random.nextGaussian() * deviation);
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.min(1f, Math.max(0f, out[i]));
        }
        if (random.nextDouble() < a.jpeg()) {
            jpeg(out, size, channels, 30 + random.nextInt(61));
        }
        return out;
    }

    /** Knot values at 0, 1/(k-1), ..., 1: sorted (monotone) or not; the first is near 0 so that dark stays dark. */
    private static float[] curve(Random random, boolean nonMonotone) {
        float[] knots = new float[CURVE_KNOTS];
        for (int k = 1; k < CURVE_KNOTS; k++) {
            knots[k] = random.nextFloat();
        }
        if (!nonMonotone) {
            java.util.Arrays.sort(knots, 1, CURVE_KNOTS);
        }
        knots[0] = 0.05f * random.nextFloat();
        return knots;
    }

    private static float lookUp(float[] knots, float value) {
        float position = value * (knots.length - 1);
        int low = Math.min(knots.length - 2, (int) position);
        float t = position - low;
        return knots[low] * (1 - t) + knots[low + 1] * t;
    }

    private static void jpeg(float[] out, int size, int channels, int quality) {
        Mat image = new Mat(size, size, CvType.CV_32FC(channels));
        Mat bytes = new Mat();
        MatOfByte encoded = new MatOfByte();
        Mat decoded = null;
        Mat back = new Mat();
        try {
            image.put(0, 0, out);
            image.convertTo(bytes, CvType.CV_8UC(channels), 255);
            Imgcodecs.imencode(".jpg", bytes, encoded, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, quality));
            decoded = Imgcodecs.imdecode(encoded, channels == 1 ? Imgcodecs.IMREAD_GRAYSCALE : Imgcodecs.IMREAD_COLOR);
            decoded.convertTo(back, CvType.CV_32FC(channels), 1.0 / 255);
            back.get(0, 0, out);
        } finally {
            image.release();
            bytes.release();
            encoded.release();
            if (decoded != null) {
                decoded.release();
            }
            back.release();
        }
    }
}
