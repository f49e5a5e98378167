package org.mriclassifier.training;

import java.util.Arrays;

/**
 * Thresholds chosen for a stated sensitivity or specificity, from labelled scores: how a screening model's decision
 * threshold is set (a missed tumor costs more than a second look), and how a left-out source is reported without
 * the accident of one threshold.
 */
public final class OperatingPoints {

    private OperatingPoints() {
    }

    /**
     * The highest threshold at which at least {@code target} of the tumors score at or above it; NaN without tumors.
     * A higher threshold is the one that costs the fewest false alarms for that sensitivity.
     */
    public static double thresholdForSensitivity(int[] labels, float[] scores, double target) {
        float[] tumorScores = scoresOf(labels, scores, 1);
        if (tumorScores.length == 0) {
            return Double.NaN;
        }
        Arrays.sort(tumorScores);
        // keep ceil(target * n) tumors at or above the threshold: the threshold is the score of the weakest kept one
        int keep = (int) Math.ceil(target * tumorScores.length - 1e-9);
        keep = Math.max(1, Math.min(tumorScores.length, keep));
        return tumorScores[tumorScores.length - keep];
    }

    /** The lowest threshold at which at least {@code target} of the healthy images score below it; NaN without any. */
    public static double thresholdForSpecificity(int[] labels, float[] scores, double target) {
        float[] healthyScores = scoresOf(labels, scores, 0);
        if (healthyScores.length == 0) {
            return Double.NaN;
        }
        Arrays.sort(healthyScores);
        int below = (int) Math.ceil(target * healthyScores.length - 1e-9);
        below = Math.max(1, Math.min(healthyScores.length, below));
        // just above the highest score that must stay below
        return Math.nextUp(healthyScores[below - 1]);
    }

    /** Sensitivity the data reach at specificity at least {@code target}. */
    public static double sensitivityAtSpecificity(int[] labels, float[] scores, double target) {
        double threshold = thresholdForSpecificity(labels, scores, target);
        return Double.isNaN(threshold) ? Double.NaN : BinaryMetrics.of(labels, scores, threshold).sensitivity();
    }

    /** Specificity the data keep at sensitivity at least {@code target}. */
    public static double specificityAtSensitivity(int[] labels, float[] scores, double target) {
        double threshold = thresholdForSensitivity(labels, scores, target);
        return Double.isNaN(threshold) ? Double.NaN : BinaryMetrics.of(labels, scores, threshold).specificity();
    }

    private static float[] scoresOf(int[] labels, float[] scores, int label) {
        int count = 0;
        for (int l : labels) {
            count += l == label ? 1 : 0;
        }
        float[] out = new float[count];
        int j = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == label) {
                out[j++] = scores[i];
            }
        }
        return out;
    }
}
