package org.mriclassifier.training;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Confusion matrix and the figures derived from it, tumor being the positive class. Undefined ratios follow
 * scikit-learn's zero_division=0 convention (precision with no positive predictions is 0); ROC AUC is NaN when
 * only one class is present, because no ranking can be measured then.
 */
public record BinaryMetrics(int n, int tp, int tn, int fp, int fn,
                            double accuracy, double precision, double recall, double f1, double auc, double threshold) {

    /**
     * @param labels    1 = tumor, 0 = healthy
     * @param scores    predicted tumor probabilities
     * @param threshold a score at or above it is a tumor prediction
     */
    public static BinaryMetrics of(int[] labels, float[] scores, double threshold) {
        if (labels.length != scores.length) {
            throw new IllegalArgumentException(labels.length + " labels but " + scores.length + " scores");
        }
        int tp = 0;
        int tn = 0;
        int fp = 0;
        int fn = 0;
        for (int i = 0; i < labels.length; i++) {
            boolean predictedTumor = scores[i] >= threshold;
            if (labels[i] == 1) {
                tp += predictedTumor ? 1 : 0;
                fn += predictedTumor ? 0 : 1;
            } else {
                fp += predictedTumor ? 1 : 0;
                tn += predictedTumor ? 0 : 1;
            }
        }
        int n = labels.length;
        double precision = ratio(tp, tp + fp);
        double recall = ratio(tp, tp + fn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new BinaryMetrics(n, tp, tn, fp, fn, ratio(tp + tn, n), precision, recall, f1, auc(labels, scores), threshold);
    }

    /**
     * Area under the ROC curve as the Mann-Whitney statistic: the chance that a random tumor image scores above a
     * random healthy one, ties counting half.
     */
    public static double auc(int[] labels, float[] scores) {
        long positives = Arrays.stream(labels).filter(l -> l == 1).count();
        long negatives = labels.length - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        double positiveRankSum = 0;
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double averageRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (labels[order[k]] == 1) {
                    positiveRankSum += averageRank;
                }
            }
            i = j + 1;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /** Share of tumors found; NaN when there are none. */
    public double sensitivity() {
        return tp + fn == 0 ? Double.NaN : (double) tp / (tp + fn);
    }

    /** Share of healthy images called healthy; NaN when there are none. */
    public double specificity() {
        return tn + fp == 0 ? Double.NaN : (double) tn / (tn + fp);
    }

    private static double ratio(int numerator, int denominator) {
        return denominator == 0 ? 0 : (double) numerator / denominator;
    }
}
