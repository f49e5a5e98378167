package org.mriclassifier.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mriclassifier.testing.DrawnImages;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

@DisplayName("Preprocessing with CLAHE")
class ClaheTest {

    static {
        OpenCvLoader.ensureLoaded();
    }

    private static final PreprocessSpec PLAIN = PreprocessSpec.original().withOutputSize(64);
    private static final PreprocessSpec EQUALISED = PLAIN.withClahe(2, 8);

    /**
     * The same textured drawing at two exposures: a brain whose tissue varies around {@code brain} grey (a fixed
     * noise pattern, as real scans have texture), with a "lesion" 30 % brighter.
     */
    private static byte[] brain(int channels, double brain) {
        Mat mask = Mat.zeros(240, 240, CvType.CV_8UC1);
        Imgproc.ellipse(mask, new Point(120, 120), new Size(95, 105), 0, 0, 360, Scalar.all(255), -1);
        Random texture = new Random(7);
        byte[] inside = new byte[240 * 240];
        mask.get(0, 0, inside);
        byte[] grey = new byte[inside.length];
        for (int i = 0; i < grey.length; i++) {
            int y = i / 240;
            int x = i % 240;
            boolean lesion = (x - 150) * (x - 150) + (y - 100) * (y - 100) <= 25 * 25;
            double level = brain * (lesion ? 1.3 : 1.0) * (1 + 0.2 * texture.nextGaussian());
            grey[i] = inside[i] == 0 ? 0 : (byte) Math.max(1, Math.min(255, (int) Math.round(level)));
        }
        Mat image = new Mat(240, 240, CvType.CV_8UC1);
        image.put(0, 0, grey);
        if (channels == 3) {
            Imgproc.cvtColor(image, image, Imgproc.COLOR_GRAY2BGR);
        }
        byte[] png = DrawnImages.png(image);
        image.release();
        mask.release();
        return png;
    }

    @ParameterizedTest(name = "{0} channel(s)")
    @ValueSource(ints = {1, 3})
    @DisplayName("brings a dim and a bright exposure of one brain closer together, in [0,1], crop unchanged")
    void evensOutExposure(int channels) {
        byte[] dim = brain(channels, 70);
        byte[] bright = brain(channels, 170);
        PreprocessSpec plain = PLAIN.withChannels(channels);
        PreprocessSpec equalised = EQUALISED.withChannels(channels);

        double plainGap = meanAbsoluteDifference(Preprocessor.preprocess(dim, plain), Preprocessor.preprocess(bright, plain));
        Preprocessed dimEqualised = Preprocessor.preprocess(dim, equalised);
        double equalisedGap = meanAbsoluteDifference(dimEqualised, Preprocessor.preprocess(bright, equalised));

        assertTrue(equalisedGap < 0.75 * plainGap, "CLAHE gap " + equalisedGap + " should be at least a quarter under the plain gap " + plainGap);
        assertEquals(Preprocessor.preprocess(dim, plain).crop(), dimEqualised.crop(), "CLAHE runs after the crop and must not move it");
        for (float pixel : dimEqualised.pixels()) {
            assertTrue(pixel >= 0f && pixel <= 1f, "pixel out of range: " + pixel);
        }
    }

    @ParameterizedTest(name = "{0} channel(s)")
    @ValueSource(ints = {1, 3})
    @DisplayName("raises the contrast between a faint lesion and the brain around it")
    void raisesLocalContrast(int channels) {
        byte[] dim = brain(channels, 70);
        int size = PLAIN.outputSize();
        Preprocessed plain = Preprocessor.preprocess(dim, PLAIN.withChannels(channels));
        Preprocessed equalised = Preprocessor.preprocess(dim, EQUALISED.withChannels(channels));
        assertTrue(lesionContrast(equalised, size) > 1.5 * lesionContrast(plain, size),
                "lesion contrast " + lesionContrast(equalised, size) + " vs plain " + lesionContrast(plain, size));
    }

    /** Mean lesion level minus mean tissue level below it, in the first channel (the crop maps the drawing onto the frame). */
    private static double lesionContrast(Preprocessed image, int size) {
        // drawing: brain x 25..215, y 15..225; lesion centre (150, 100), tissue sample at (120, 180)
        return windowMean(image, (150 - 25) * size / 190, (100 - 15) * size / 210)
                - windowMean(image, (120 - 25) * size / 190, (180 - 15) * size / 210);
    }

    private static double windowMean(Preprocessed image, int centreX, int centreY) {
        double sum = 0;
        for (int y = centreY - 2; y <= centreY + 2; y++) {
            for (int x = centreX - 2; x <= centreX + 2; x++) {
                sum += image.pixels()[(y * image.size() + x) * image.channels()];
            }
        }
        return sum / 25;
    }

    private static double meanAbsoluteDifference(Preprocessed a, Preprocessed b) {
        double sum = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            sum += Math.abs(a.pixels()[i] - b.pixels()[i]);
        }
        return sum / a.pixels().length;
    }
}
