package org.mriclassifier.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mriclassifier.testing.DrawnImages;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

@DisplayName("Preprocessing")
class PreprocessorTest {

    private static final PreprocessSpec SPEC = PreprocessSpec.original();

    @org.junit.jupiter.api.BeforeAll
    static void loadOpenCv() {
        // tests that make Mats before any Preprocessor call need the native library too
        OpenCvLoader.ensureLoaded();
    }

    @Test
    @DisplayName("crops to the brain: the crop bounds land on a drawn ellipse")
    void cropLandsOnTheEllipse() {
        // a 400x300 image with an ellipse spanning x 80..320 and y 60..240; the 256 frame scales x by 0.64, y by 0.853
        Mat image = DrawnImages.ellipseBrain(400, 300, 120, 90, CvType.CV_8UC3);
        Preprocessed result = Preprocessor.preprocess(DrawnImages.png(image), SPEC);
        image.release();

        CropBounds crop = result.crop();
        assertFalse(result.fallback());
        assertEquals(80 * 0.64, crop.x(), 3);
        assertEquals(240 * 0.64, crop.width(), 4);
        assertEquals(60 * 256 / 300.0, crop.y(), 3);
        assertEquals(180 * 256 / 300.0, crop.height(), 4);
    }

    @Test
    @DisplayName("fills the network input with the brain: after cropping, the image edges touch the ellipse")
    void croppedImageIsFilledByTheBrain() {
        Mat image = DrawnImages.ellipseBrain(300, 300, 60, 60, CvType.CV_8UC1);
        Preprocessed result = Preprocessor.preprocess(DrawnImages.png(image), SPEC.withChannels(1));
        image.release();

        int size = result.size();
        float centre = result.pixels()[(size / 2) * size + size / 2];
        float middleOfLeftEdge = result.pixels()[(size / 2) * size];
        assertEquals(160 / 255f, centre, 0.02);
        assertTrue(middleOfLeftEdge > 0.3f, "the ellipse should reach the left edge after cropping, got " + middleOfLeftEdge);
    }

    @ParameterizedTest(name = "output {0}x{0} with {1} channel(s)")
    @CsvSource({"32, 1", "32, 3", "64, 1", "128, 3"})
    @DisplayName("produces size x size x channels floats in [0,1]")
    void sizesAndChannels(int size, int channels) {
        Mat image = DrawnImages.ellipseBrain(200, 240, 80, 100, CvType.CV_8UC3);
        Preprocessed result = Preprocessor.preprocess(DrawnImages.jpeg(image), SPEC.withOutputSize(size).withChannels(channels));
        image.release();

        assertEquals(size * size * channels, result.pixels().length);
        assertEquals(size, result.size());
        assertEquals(channels, result.channels());
        for (float pixel : result.pixels()) {
            assertTrue(pixel >= 0f && pixel <= 1f, "pixel out of range: " + pixel);
        }
    }

    @Test
    @DisplayName("decodes grey, colour, alpha and 16-bit images to 8-bit BGR")
    void decodesEveryKindOfImage() {
        Mat grey = DrawnImages.ellipseBrain(64, 64, 20, 25, CvType.CV_8UC1);
        Mat colour = DrawnImages.ellipseBrain(64, 64, 20, 25, CvType.CV_8UC3);
        Mat alpha = DrawnImages.ellipseBrain(64, 64, 20, 25, CvType.CV_8UC4);
        Mat sixteen = new Mat();
        grey.convertTo(sixteen, CvType.CV_16U, 257);
        for (byte[] bytes : List.of(DrawnImages.png(grey), DrawnImages.jpeg(colour), DrawnImages.png(alpha), DrawnImages.png(sixteen))) {
            Mat decoded = Preprocessor.decode(bytes);
            assertEquals(3, decoded.channels());
            assertEquals(CvType.CV_8U, decoded.depth());
            assertEquals(160, decoded.get(32, 32)[0], 2, "the ellipse's grey level survives decoding");
            decoded.release();
        }
        List.of(grey, colour, alpha, sixteen).forEach(Mat::release);
    }

    @Test
    @DisplayName("blackens fully transparent pixels instead of keeping the colour they hid")
    void transparentPixelsBecomeBlack() {
        Mat image = new Mat(32, 32, CvType.CV_8UC4, new org.opencv.core.Scalar(255, 255, 255, 0));
        Mat decoded = Preprocessor.decode(DrawnImages.png(image));
        assertEquals(0, Core.countNonZero(decoded.reshape(1)));
        decoded.release();
        image.release();
    }

    @Test
    @DisplayName("falls back to the whole image, and says so, when a blank image has no brain contour")
    void blankImageFallsBack() {
        Mat blank = Mat.zeros(300, 200, CvType.CV_8UC3);
        Preprocessed result = Preprocessor.preprocess(DrawnImages.png(blank), SPEC);
        blank.release();

        assertTrue(result.fallback());
        assertEquals(CropBounds.whole(256), result.crop());
        assertEquals(SPEC.pixelsPerImage(), result.pixels().length);
    }

    @Test
    @DisplayName("handles a tiny 6x5 image")
    void tinyImage() {
        Mat tiny = new Mat(5, 6, CvType.CV_8UC3, new org.opencv.core.Scalar(90, 90, 90));
        Preprocessed result = Preprocessor.preprocess(DrawnImages.png(tiny), SPEC);
        tiny.release();

        assertEquals(SPEC.pixelsPerImage(), result.pixels().length);
    }

    @Test
    @DisplayName("handles a huge 4000x4000 image in well under a few seconds")
    void hugeImage() {
        Mat huge = DrawnImages.ellipseBrain(4000, 4000, 1500, 1800, CvType.CV_8UC3);
        byte[] bytes = DrawnImages.jpeg(huge);
        huge.release();

        Preprocessed result = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> Preprocessor.preprocess(bytes, SPEC));
        assertFalse(result.fallback());
        assertEquals(256 * 3000 / 4000.0, result.crop().width(), 4);
    }

    @Test
    @DisplayName("turns bytes that are not an image into an ImageDecodeException")
    void rejectsNonImages() {
        assertThrows(ImageDecodeException.class, () -> Preprocessor.decode(new byte[0]));
        assertThrows(ImageDecodeException.class, () -> Preprocessor.decode("not an image at all".getBytes()));
        byte[] truncated = java.util.Arrays.copyOf(DrawnImages.png(Mat.zeros(10, 10, CvType.CV_8UC3)), 20);
        assertThrows(ImageDecodeException.class, () -> Preprocessor.preprocess(truncated, SPEC));
    }

    @Test
    @DisplayName("gives identical results to concurrent callers")
    void threadSafe() throws Exception {
        Mat image = DrawnImages.ellipseBrain(300, 280, 100, 110, CvType.CV_8UC3);
        byte[] bytes = DrawnImages.jpeg(image);
        image.release();
        float[] expected = Preprocessor.preprocess(bytes, SPEC).pixels();

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> results = pool.invokeAll(java.util.Collections.nCopies(16, () -> Preprocessor.preprocess(bytes, SPEC).pixels()));
            for (Future<float[]> result : results) {
                assertArrayEquals(expected, result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("serving decodes only a JPEG much larger than the working frame at a reduced size: a half, a quarter, an eighth")
    void reducedReadModes() {
        int working = SPEC.workingSize();
        assertEquals(-1, Preprocessor.reducedReadMode(ImageFormat.JPEG, 224, 224, working));
        assertEquals(-1, Preprocessor.reducedReadMode(ImageFormat.JPEG, 1023, 2000, working));
        assertEquals(org.opencv.imgcodecs.Imgcodecs.IMREAD_REDUCED_COLOR_2, Preprocessor.reducedReadMode(ImageFormat.JPEG, 1024, 1500, working));
        assertEquals(org.opencv.imgcodecs.Imgcodecs.IMREAD_REDUCED_COLOR_4, Preprocessor.reducedReadMode(ImageFormat.JPEG, 2048, 2048, working));
        assertEquals(org.opencv.imgcodecs.Imgcodecs.IMREAD_REDUCED_COLOR_8, Preprocessor.reducedReadMode(ImageFormat.JPEG, 4096, 4096, working));
        assertEquals(-1, Preprocessor.reducedReadMode(ImageFormat.PNG, 4096, 4096, working));
    }

    @ParameterizedTest(name = "a real slice enlarged to {0} px")
    @CsvSource({"1100", "2100", "4200"})
    @DisplayName("a large JPEG decoded at a reduced size gives the model nearly the input a full decode gives")
    void reducedDecodeKeepsTheInput(int side) {
        Mat slice = org.opencv.imgcodecs.Imgcodecs.imdecode(new org.opencv.core.MatOfByte(
                org.mriclassifier.testing.TestImages.real("brain-mri-253/yes/Y1.jpg")), org.opencv.imgcodecs.Imgcodecs.IMREAD_COLOR);
        Mat large = new Mat();
        org.opencv.imgproc.Imgproc.resize(slice, large, new org.opencv.core.Size(side, side), 0, 0, org.opencv.imgproc.Imgproc.INTER_CUBIC);
        byte[] jpeg = DrawnImages.jpeg(large);
        slice.release();
        large.release();
        PreprocessSpec spec = SPEC.withChannels(1);
        Preprocessed full = Preprocessor.preprocess(jpeg, spec);
        Preprocessed reduced = Preprocessor.preprocessForServing(jpeg, ImageFormat.JPEG, side, side, spec);
        double difference = 0;
        for (int i = 0; i < full.pixels().length; i++) {
            difference += Math.abs(full.pixels()[i] - reduced.pixels()[i]);
        }
        difference /= full.pixels().length;
        assertTrue(difference < 0.01, "mean absolute difference " + difference + " of [0,1] pixels");
        assertEquals(full.crop().x(), reduced.crop().x(), 2);
        assertEquals(full.crop().y(), reduced.crop().y(), 2);
        assertEquals(full.crop().width(), reduced.crop().width(), 3);
        assertEquals(full.crop().height(), reduced.crop().height(), 3);
        assertEquals(full.fallback(), reduced.fallback());
        assertEquals(full.colourfulness(), reduced.colourfulness(), 0.005);
    }
}
