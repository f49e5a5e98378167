package org.mriclassifier.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.mriclassifier.testing.DrawnImages;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;

@DisplayName("Grad-CAM on the shipped model")
class GradCamTest {

    static Classifier classifier;

    @BeforeAll
    static void load() {
        classifier = Classifier.load(Path.of("model/default"), 2, 1);
    }

    @AfterAll
    static void close() {
        classifier.close();
    }

    @Test
    @DisplayName("a bright blob drawn into a plain brain draws the map's maximum over the blob, wherever the blob is")
    void maximumOverTheBlob() {
        GradCam gradCam = classifier.gradCam().orElseThrow();
        int size = 256;
        int radius = Math.max(2, size / 10);
        double[][] spots = {{90, 100}, {170, 150}, {120, 190}, {160, 80}};
        for (double[] spot : spots) {
            Mat image = DrawnImages.brainWithBlob(size, true, spot[0], spot[1]);
            byte[] png = DrawnImages.png(image);
            image.release();
            Heatmap heatmap = HeatmapRenderer.render(classifier, gradCam, png);
            assertTrue(heatmap.peak() > 0, "the blob raised the tumor logit");
            Mat raw = Imgcodecs.imdecode(new MatOfByte(heatmap.raw()), Imgcodecs.IMREAD_GRAYSCALE);
            assertEquals(size, raw.cols());
            assertEquals(size, raw.rows());
            Core.MinMaxLocResult max = Core.minMaxLoc(raw);
            double distance = Math.hypot(max.maxLoc.x - spot[0], max.maxLoc.y - spot[1]);
            assertTrue(distance <= radius, "the maximum " + max.maxLoc + " lies on the blob at " + java.util.Arrays.toString(spot));
            raw.release();
        }
    }
}
