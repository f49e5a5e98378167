package org.mriclassifier.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The triangular (Cholesky) form of the Mahalanobis distance gives the direct form's distances. */
@DisplayName("the unfamiliar detector's distance")
class UnfamiliarDetectorTest {

    @Test
    @DisplayName("on a drawn positive definite precision, the Cholesky form equals (x - μ)ᵀ P (x - μ) to 1e-9")
    void choleskyEqualsDirect() {
        Random random = new Random(17);
        int d = 48;
        double[][] a = new double[d][d];
        for (double[] row : a) {
            for (int j = 0; j < d; j++) {
                row[j] = random.nextGaussian();
            }
        }
        double[][] precision = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double sum = i == j ? 0.5 : 0;
                for (int k = 0; k < d; k++) {
                    sum += a[i][k] * a[j][k];
                }
                precision[i][j] = sum;
            }
        }
        double[][] means = new double[2][d];
        for (double[] mean : means) {
            for (int j = 0; j < d; j++) {
                mean[j] = random.nextGaussian() * 3;
            }
        }
        UnfamiliarDetector detector = new UnfamiliarDetector(new UnfamiliarDetector.Parameters(means, precision), 10);
        assertNotNull(UnfamiliarDetector.cholesky(precision));
        float[] batch = new float[5 * d];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = (float) (random.nextGaussian() * 4);
        }
        for (int image = 0; image < 5; image++) {
            double direct = detector.direct(batch, image * d);
            assertEquals(direct, detector.score(batch, image * d), 1e-9 * Math.max(1, direct));
        }
        // at a mean itself the distance is zero
        float[] atMean = new float[d];
        for (int j = 0; j < d; j++) {
            atMean[j] = (float) means[1][j];
        }
        assertEquals(detector.direct(atMean, 0), detector.score(atMean, 0), 1e-6);
    }

    @Test
    @DisplayName("a precision that is not positive definite falls back to the direct form")
    void notPositiveDefinite() {
        double[][] precision = {{1, 0}, {0, -1}};
        assertNull(UnfamiliarDetector.cholesky(precision));
        UnfamiliarDetector detector = new UnfamiliarDetector(
                new UnfamiliarDetector.Parameters(new double[][] {{0, 0}}, precision), 1);
        float[] x = {3, 1};
        assertEquals(detector.direct(x, 0), detector.score(x, 0), 0);
    }

    @Test
    @DisplayName("the shipped model's precision factors, and both forms agree on drawn embeddings")
    void shippedModel() throws Exception {
        UnfamiliarDetector.Parameters parameters = new ObjectMapper().readValue(
                Path.of("model/default", UnfamiliarDetector.FILE_NAME).toFile(), UnfamiliarDetector.Parameters.class);
        assertNotNull(UnfamiliarDetector.cholesky(parameters.precision()), "the shipped precision is positive definite");
        UnfamiliarDetector detector = new UnfamiliarDetector(parameters, 1);
        int d = parameters.dimensions();
        Random random = new Random(5);
        float[] x = new float[d];
        for (int trial = 0; trial < 20; trial++) {
            double[] mean = parameters.means()[trial % 2];
            for (int j = 0; j < d; j++) {
                // near a class mean, as embeddings of brain slices are, and farther out
                x[j] = (float) Math.max(0, mean[j] + random.nextGaussian() * (trial < 10 ? 0.05 : 1.0) * (Math.abs(mean[j]) + 0.01));
            }
            double direct = detector.direct(x, 0);
            assertEquals(direct, detector.score(x, 0), 1e-9 * Math.max(1, direct));
        }
    }
}
