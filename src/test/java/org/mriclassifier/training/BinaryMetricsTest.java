package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Metrics")
class BinaryMetricsTest {

    @Test
    @DisplayName("match a hand-computed confusion matrix: the original's TP 20, TN 20, FP 3, FN 6 gives 0.816 / 0.816")
    void originalProjectsFigures() {
        int[] labels = new int[49];
        float[] scores = new float[49];
        int i = 0;
        for (int k = 0; k < 20; k++, i++) { labels[i] = 1; scores[i] = 0.9f; }  // TP
        for (int k = 0; k < 6; k++, i++) { labels[i] = 1; scores[i] = 0.2f; }   // FN
        for (int k = 0; k < 20; k++, i++) { labels[i] = 0; scores[i] = 0.1f; }  // TN
        for (int k = 0; k < 3; k++, i++) { labels[i] = 0; scores[i] = 0.7f; }   // FP

        BinaryMetrics m = BinaryMetrics.of(labels, scores, 0.5);

        assertEquals(List.of(20, 20, 3, 6), List.of(m.tp(), m.tn(), m.fp(), m.fn()));
        assertEquals(40.0 / 49, m.accuracy(), 1e-12);
        assertEquals(20.0 / 23, m.precision(), 1e-12);
        assertEquals(20.0 / 26, m.recall(), 1e-12);
        assertEquals(2 * 20.0 / (2 * 20 + 3 + 6), m.f1(), 1e-12);
        assertEquals(0.816, m.accuracy(), 0.0005);
        assertEquals(0.816, m.f1(), 0.0005);
    }

    @Test
    @DisplayName("count a score exactly at the threshold as tumor")
    void thresholdIsInclusive() {
        BinaryMetrics m = BinaryMetrics.of(new int[] {1, 0}, new float[] {0.5f, 0.5f}, 0.5);
        assertEquals(1, m.tp());
        assertEquals(1, m.fp());
    }

    @Test
    @DisplayName("compute ROC AUC as the share of (tumor, healthy) pairs ranked right, ties counting half")
    void aucByHand() {
        // positives 0.9, 0.4, 0.35; negatives 0.8, 0.35, 0.1
        // pairs ranked right: 0.9 beats all 3; 0.4 beats 0.35 and 0.1; 0.35 ties 0.35 (1/2) and beats 0.1 -> 3 + 2 + 1.5 = 6.5 of 9
        int[] labels = {1, 1, 1, 0, 0, 0};
        float[] scores = {0.9f, 0.4f, 0.35f, 0.8f, 0.35f, 0.1f};
        assertEquals(6.5 / 9, BinaryMetrics.auc(labels, scores), 1e-12);
        assertEquals(1.0, BinaryMetrics.auc(new int[] {0, 1}, new float[] {0.2f, 0.3f}), 1e-12);
        assertEquals(0.0, BinaryMetrics.auc(new int[] {1, 0}, new float[] {0.2f, 0.3f}), 1e-12);
    }

    @Test
    @DisplayName("report AUC as undefined and precision/recall/F1 as 0 when there are no tumors at all")
    void noPositives() {
        BinaryMetrics m = BinaryMetrics.of(new int[] {0, 0, 0}, new float[] {0.1f, 0.2f, 0.9f}, 0.5);
        assertTrue(Double.isNaN(m.auc()));
        assertEquals(0, m.precision());
        assertEquals(0, m.recall());
        assertEquals(0, m.f1());
        assertEquals(2.0 / 3, m.accuracy(), 1e-12);
        assertEquals(1, m.fp());
    }

    @Test
    @DisplayName("report precision 0 when nothing is predicted tumor, and AUC undefined with no healthy images")
    void noPredictedPositivesAndNoNegatives() {
        BinaryMetrics m = BinaryMetrics.of(new int[] {1, 1}, new float[] {0.1f, 0.2f}, 0.5);
        assertEquals(0, m.precision());
        assertEquals(0, m.f1());
        assertEquals(0, m.accuracy());
        assertTrue(Double.isNaN(m.auc()));
    }

    @Test
    @DisplayName("draw the ROC curve from (0,0) to (1,1) through each threshold's corner")
    void rocCurve() {
        List<RocCurve.Point> curve = RocCurve.of(new int[] {1, 0, 1, 0}, new float[] {0.9f, 0.8f, 0.7f, 0.1f});
        assertEquals(List.of(new RocCurve.Point(0, 0), new RocCurve.Point(0, 0.5), new RocCurve.Point(0.5, 0.5),
                new RocCurve.Point(0.5, 1), new RocCurve.Point(1, 1)), curve);
    }
}
