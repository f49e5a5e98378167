package org.mriclassifier.models;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A model's measured performance on rows whose class a person confirmed: counts, sensitivity (tumors found),
 * specificity (healthy slices called healthy) and accuracy with 95% Wilson score intervals, ROC AUC (the
 * Mann-Whitney statistic, ties counted half) with a 95% Hanley-McNeil interval, and the share flagged unfamiliar.
 * A figure whose denominator is empty is null, never 0. Pure functions.
 */
public final class Performance {

    /** The two-sided 95% normal quantile. */
    static final double Z = 1.959963984540054;

    /** One confirmed row. */
    public record Case(String hospital, String gender, boolean tumor, boolean predictedTumor, double probability,
                       boolean unfamiliar) {
    }

    private Performance() {
    }

    /** Overall, per hospital and per gender. */
    public static JsonObject report(List<Case> cases) {
        return figures(cases)
                .put("by_hospital", grouped(cases, Case::hospital))
                .put("by_gender", grouped(cases, Case::gender));
    }

    private static JsonObject grouped(List<Case> cases, Function<Case, String> key) {
        Map<String, List<Case>> groups = new TreeMap<>();
        for (Case c : cases) {
            groups.computeIfAbsent(key.apply(c), k -> new ArrayList<>()).add(c);
        }
        JsonObject out = new JsonObject();
        groups.forEach((name, group) -> out.put(name, figures(group)));
        return out;
    }

    /** The figures of one group. */
    public static JsonObject figures(List<Case> cases) {
        int tp = 0;
        int fn = 0;
        int tn = 0;
        int fp = 0;
        int flagged = 0;
        for (Case c : cases) {
            if (c.tumor()) {
                if (c.predictedTumor()) {
                    tp++;
                } else {
                    fn++;
                }
            } else if (c.predictedTumor()) {
                fp++;
            } else {
                tn++;
            }
            if (c.unfamiliar()) {
                flagged++;
            }
        }
        int n = cases.size();
        return new JsonObject()
                .put("n", n).put("tumors", tp + fn).put("healthy", tn + fp)
                .put("tp", tp).put("fn", fn).put("tn", tn).put("fp", fp)
                .put("sensitivity", proportion(tp, tp + fn))
                .put("specificity", proportion(tn, tn + fp))
                .put("accuracy", proportion(tp + tn, n))
                .put("auc", auc(cases))
                .put("unfamiliar_share", proportion(flagged, n));
    }

    /** {@code {value, low, high}} with the 95% Wilson score interval; null when {@code n} is 0. */
    static JsonObject proportion(int successes, int n) {
        if (n == 0) {
            return null;
        }
        double[] interval = wilson(successes, n);
        return new JsonObject().put("value", (double) successes / n).put("low", interval[0]).put("high", interval[1]);
    }

    /** The 95% Wilson score interval of {@code successes} out of {@code n} (n > 0). */
    static double[] wilson(int successes, int n) {
        double p = (double) successes / n;
        double z2 = Z * Z;
        double denominator = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double half = Z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /**
     * ROC AUC from the probabilities: the chance that a tumor scores above a healthy slice (ties half), by ranks
     * (O(n log n)); with its 95% Hanley-McNeil interval. Null without both classes.
     */
    static JsonObject auc(List<Case> cases) {
        List<Case> sorted = new ArrayList<>(cases);
        sorted.sort(Comparator.comparingDouble(Case::probability));
        long positives = cases.stream().filter(Case::tumor).count();
        long negatives = cases.size() - positives;
        if (positives == 0 || negatives == 0) {
            return null;
        }
        double rankSumPositives = 0;
        int i = 0;
        while (i < sorted.size()) {
            int j = i;
            while (j + 1 < sorted.size() && sorted.get(j + 1).probability() == sorted.get(i).probability()) {
                j++;
            }
            double averageRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (sorted.get(k).tumor()) {
                    rankSumPositives += averageRank;
                }
            }
            i = j + 1;
        }
        double a = (rankSumPositives - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
        double se = hanleyMcNeil(a, positives, negatives);
        return new JsonObject().put("value", a).put("low", Math.max(0, a - Z * se)).put("high", Math.min(1, a + Z * se))
                .put("method", "Hanley-McNeil");
    }

    /** Hanley and McNeil (1982): the standard error of an AUC of {@code a} with these class sizes. */
    static double hanleyMcNeil(double a, long positives, long negatives) {
        double q1 = a / (2 - a);
        double q2 = 2 * a * a / (1 + a);
        double variance = (a * (1 - a) + (positives - 1) * (q1 - a * a) + (negatives - 1) * (q2 - a * a))
                / ((double) positives * negatives);
        return Math.sqrt(Math.max(0, variance));
    }
}
