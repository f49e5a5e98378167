package org.mriclassifier.vision;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one preprocessing pipeline used by training, evaluation and serving. Pure functions: no shared state,
 * every intermediate Mat released before returning, on errors too.
 */
public final class Preprocessor {

    private static final Logger LOG = LoggerFactory.getLogger(Preprocessor.class);

    static {
        OpenCvLoader.ensureLoaded();
    }

    private Preprocessor() {
    }

    /**
     * Decodes JPEG or PNG bytes (grey, colour, with alpha, 8 or 16 bit) into an 8-bit, 3-channel BGR Mat that the
     * caller owns and must release.
     *
     * @throws ImageDecodeException when the bytes are empty or not a decodable image
     */
    public static Mat decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new ImageDecodeException("no image bytes");
        }
        MatOfByte encoded = new MatOfByte(bytes);
        Mat raw = Imgcodecs.imdecode(encoded, Imgcodecs.IMREAD_UNCHANGED);
        encoded.release();
        // imdecode signals failure with an empty Mat, not an exception
        if (raw.empty()) {
            raw.release();
            throw new ImageDecodeException("bytes are not a decodable image (" + bytes.length + " bytes)");
        }
        try {
            return toBgr8(raw);
        } finally {
            raw.release();
        }
    }

    /**
     * OpenCV's read mode for a JPEG of this size that is much larger than the working frame: decoded at a half, a
     * quarter or an eighth of its size (libjpeg scales in the DCT, skipping most of the work), the largest
     * reduction that still leaves its shorter side at least twice the working size, so the area resize to the
     * working frame that follows still averages over several decoded pixels and gives nearly the same frame as a
     * full decode would (PreprocessorTest measures the difference). Colour, not grey: the unfamiliar-input check
     * needs the colourfulness. -1 when the image is not that large, or not a JPEG (PNG has no reduced decode).
     */
    static int reducedReadMode(ImageFormat format, int width, int height, int workingSize) {
        if (format != ImageFormat.JPEG) {
            return -1;
        }
        int shorter = Math.min(width, height);
        if (shorter / 8 >= 2 * workingSize) {
            return Imgcodecs.IMREAD_REDUCED_COLOR_8;
        }
        if (shorter / 4 >= 2 * workingSize) {
            return Imgcodecs.IMREAD_REDUCED_COLOR_4;
        }
        if (shorter / 2 >= 2 * workingSize) {
            return Imgcodecs.IMREAD_REDUCED_COLOR_2;
        }
        return -1;
    }

    /**
     * Serving's decode and preprocessing: as {@link #preprocess(byte[], PreprocessSpec)}, but a JPEG much larger
     * than the working frame is decoded at a reduced size ({@link #reducedReadMode}), from the dimensions its
     * header declared (already checked). Training keeps the full decode, so the shipped models' figures stand.
     */
    public static Preprocessed preprocessForServing(byte[] bytes, ImageFormat format, int width, int height,
                                                    PreprocessSpec spec) {
        int reduced = reducedReadMode(format, width, height, spec.workingSize());
        if (reduced < 0) {
            return preprocess(bytes, spec);
        }
        MatOfByte encoded = new MatOfByte(bytes);
        Mat bgr = Imgcodecs.imdecode(encoded, reduced);
        encoded.release();
        try {
            if (bgr.empty()) {
                throw new ImageDecodeException("bytes are not a decodable image (" + bytes.length + " bytes)");
            }
            return preprocess(bgr, spec);
        } finally {
            bgr.release();
        }
    }

    /** Decodes and preprocesses in one call. */
    public static Preprocessed preprocess(byte[] bytes, PreprocessSpec spec) {
        Mat bgr = decode(bytes);
        try {
            return preprocess(bgr, spec);
        } finally {
            bgr.release();
        }
    }

    /**
     * Resizes to the working frame, crops to the brain (or keeps the whole frame when no usable contour is found),
     * resizes to the network's input size and scales to [0,1]. The input Mat is not modified nor released.
     */
    public static Preprocessed preprocess(Mat bgr, PreprocessSpec spec) {
        if (bgr.empty() || bgr.channels() != 3 || bgr.depth() != CvType.CV_8U) {
            throw new IllegalArgumentException("expected a non-empty 8-bit BGR image, got " + bgr);
        }
        int frame = spec.workingSize();
        Mat working = new Mat();
        Mat grey = new Mat();
        Mat output = new Mat();
        Mat floats = new Mat();
        try {
            Imgproc.resize(bgr, working, new Size(frame, frame), 0, 0, shrinkingOrGrowing(bgr, frame));
            Imgproc.cvtColor(working, grey, Imgproc.COLOR_BGR2GRAY);
            Optional<CropBounds> found = spec.crop() ? BrainContour.find(grey, spec) : Optional.empty();
            if (spec.crop() && found.isEmpty()) {
                LOG.debug("No usable brain contour at threshold {}: using the whole image", spec.threshold());
            }
            CropBounds crop = found.orElse(CropBounds.whole(frame));
            Mat source = spec.channels() == 1 ? grey : working;
            Mat region = source.submat(new Rect(crop.x(), crop.y(), crop.width(), crop.height()));
            try {
                int size = spec.outputSize();
                int interpolation = Math.max(crop.width(), crop.height()) > size ? Imgproc.INTER_AREA : Imgproc.INTER_CUBIC;
                Imgproc.resize(region, output, new Size(size, size), 0, 0, interpolation);
            } finally {
                region.release();
            }
            if (spec.clahe()) {
                Clahe.apply(output, spec.claheClipLimit(), spec.claheTiles());
            }
            output.convertTo(floats, CvType.CV_32F, 1.0 / 255.0);
            float[] pixels = new float[spec.pixelsPerImage()];
            floats.get(0, 0, pixels);
            return new Preprocessed(pixels, spec.outputSize(), spec.channels(), crop, spec.crop() && found.isEmpty(), colourfulness(working),
                    SliceLikeness.plausible(grey));
        } finally {
            floats.release();
            output.release();
            grey.release();
            working.release();
        }
    }

    /** Mean over pixels of (largest channel - smallest channel) / 255 of an 8-bit BGR image. */
    static double colourfulness(Mat bgr) {
        java.util.List<Mat> channels = new java.util.ArrayList<>(3);
        Core.split(bgr, channels);
        Mat high = new Mat();
        Mat low = new Mat();
        try {
            Core.max(channels.get(0), channels.get(1), high);
            Core.max(high, channels.get(2), high);
            Core.min(channels.get(0), channels.get(1), low);
            Core.min(low, channels.get(2), low);
            Core.subtract(high, low, high);
            return Core.mean(high).val[0] / 255.0;
        } finally {
            channels.forEach(Mat::release);
            high.release();
            low.release();
        }
    }

    private static int shrinkingOrGrowing(Mat image, int target) {
        return Math.max(image.rows(), image.cols()) > target ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR;
    }

    private static Mat toBgr8(Mat raw) {
        Mat eightBit = new Mat();
        Mat bgr = new Mat();
        try {
            switch (raw.depth()) {
                case CvType.CV_8U -> raw.copyTo(eightBit);
                case CvType.CV_16U -> raw.convertTo(eightBit, CvType.CV_8U, 1.0 / 257.0);
                default -> Core.normalize(raw, eightBit, 0, 255, Core.NORM_MINMAX, CvType.CV_8U);
            }
            switch (eightBit.channels()) {
                case 1 -> Imgproc.cvtColor(eightBit, bgr, Imgproc.COLOR_GRAY2BGR);
                case 3 -> eightBit.copyTo(bgr);
                case 4 -> compositeOnBlack(eightBit, bgr);
                default -> throw new ImageDecodeException("unsupported channel count " + eightBit.channels());
            }
            return bgr;
        } catch (RuntimeException e) {
            bgr.release();
            throw e;
        } finally {
            eightBit.release();
        }
    }

    /** Transparent pixels become black, the background of an MRI slice, rather than whatever colour they hid. */
    private static void compositeOnBlack(Mat bgra, Mat bgr) {
        List<Mat> planes = new ArrayList<>(4);
        Core.split(bgra, planes);
        try {
            Mat alpha = planes.get(3);
            for (int c = 0; c < 3; c++) {
                Core.multiply(planes.get(c), alpha, planes.get(c), 1.0 / 255.0);
            }
            Core.merge(planes.subList(0, 3), bgr);
        } finally {
            planes.forEach(Mat::release);
        }
    }
}
