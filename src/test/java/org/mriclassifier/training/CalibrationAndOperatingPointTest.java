package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Temperature scaling, calibration error and screening thresholds")
class CalibrationAndOperatingPointTest {

    @Test
    @DisplayName("fitting the temperature recovers how over-confident logits were made")
    void recoversTemperature() {
        Random random = new Random(7);
        int n = 20_000;
        int[] labels = new int[n];
        float[] logits = new float[n];
        for (int i = 0; i < n; i++) {
            double trueLogit = random.nextGaussian() * 2;
            labels[i] = random.nextDouble() < Calibrations.sigmoid(trueLogit) ? 1 : 0;
            logits[i] = (float) (trueLogit * 3); // three times too sure
        }
        assertEquals(3.0, Calibrations.fitTemperature(labels, logits), 0.15);
        double before = Calibrations.expectedCalibrationError(labels, Calibrations.probabilities(logits, 1));
        double after = Calibrations.expectedCalibrationError(labels, Calibrations.probabilities(logits, 3));
        assertTrue(after < 0.02 && before > 0.05, "ECE before " + before + ", after " + after);
    }

    @Test
    @DisplayName("the threshold for a sensitivity is the highest that finds that share of tumors")
    void thresholdForSensitivity() {
        int[] labels = {1, 1, 1, 1, 0, 0, 0, 0};
        float[] scores = {0.9f, 0.8f, 0.3f, 0.2f, 0.25f, 0.1f, 0.05f, 0.7f};
        double t = OperatingPoints.thresholdForSensitivity(labels, scores, 0.75);
        assertEquals(0.3f, t, 1e-7);
        BinaryMetrics at = BinaryMetrics.of(labels, scores, t);
        assertEquals(0.75, at.sensitivity());
        assertEquals(0.75, at.specificity());
        assertEquals(1.0, BinaryMetrics.of(labels, scores, OperatingPoints.thresholdForSensitivity(labels, scores, 1.0)).sensitivity());
        assertEquals(0.75, OperatingPoints.sensitivityAtSpecificity(labels, scores, 0.75));
        assertTrue(Double.isNaN(OperatingPoints.thresholdForSensitivity(new int[] {0}, new float[] {0.5f}, 0.9)));
    }
}
