package org.mriclassifier.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** The ROC curve's corner points, from the strictest threshold (0,0) to the most lenient (1,1). */
public final class RocCurve {

    /** One point: false-positive rate, true-positive rate. */
    public record Point(double falsePositiveRate, double truePositiveRate) {
    }

    private RocCurve() {
    }

    public static List<Point> of(int[] labels, float[] scores) {
        long positives = Arrays.stream(labels).filter(l -> l == 1).count();
        long negatives = labels.length - positives;
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> -scores[i]));
        List<Point> points = new ArrayList<>();
        points.add(new Point(0, 0));
        int tp = 0;
        int fp = 0;
        for (int i = 0; i < order.length; i++) {
            if (labels[order[i]] == 1) {
                tp++;
            } else {
                fp++;
            }
            boolean lastOfTie = i + 1 == order.length || scores[order[i + 1]] != scores[order[i]];
            if (lastOfTie) {
                points.add(new Point(negatives == 0 ? 0 : (double) fp / negatives, positives == 0 ? 0 : (double) tp / positives));
            }
        }
        return points;
    }
}
