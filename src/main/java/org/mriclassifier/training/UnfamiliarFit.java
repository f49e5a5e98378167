package org.mriclassifier.training;

import java.util.Arrays;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.mriclassifier.inference.UnfamiliarDetector;

/**
 * Fits the unfamiliar-input detector's class means and shared covariance on training-side embeddings. The covariance
 * is shrunk towards a multiple of the identity (a fixed share of its mean variance), which keeps it invertible when
 * the embedding has more dimensions than the data support and makes the distance robust to directions the training
 * data barely vary in.
 */
final class UnfamiliarFit {

    static final double SHRINKAGE = 0.1;

    private UnfamiliarFit() {
    }

    /**
     * @param embeddings one embedding per image, d values each
     * @param labels     0 healthy, 1 tumor
     */
    static UnfamiliarDetector.Parameters fit(List<float[]> embeddings, int[] labels) {
        int d = embeddings.get(0).length;
        double[][] means = new double[2][d];
        int[] counts = new int[2];
        for (int n = 0; n < embeddings.size(); n++) {
            float[] e = embeddings.get(n);
            counts[labels[n]]++;
            for (int i = 0; i < d; i++) {
                means[labels[n]][i] += e[i];
            }
        }
        if (counts[0] == 0 || counts[1] == 0) {
            throw new IllegalArgumentException("the unfamiliar detector needs images of both classes");
        }
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < d; i++) {
                means[c][i] /= counts[c];
            }
        }
        DMatrixRMaj covariance = new DMatrixRMaj(d, d);
        double[] centred = new double[d];
        for (int n = 0; n < embeddings.size(); n++) {
            float[] e = embeddings.get(n);
            double[] mean = means[labels[n]];
            for (int i = 0; i < d; i++) {
                centred[i] = e[i] - mean[i];
            }
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    covariance.add(i, j, centred[i] * centred[j]);
                }
            }
        }
        CommonOps_DDRM.scale(1.0 / Math.max(1, embeddings.size() - 2), covariance);
        double meanVariance = CommonOps_DDRM.trace(covariance) / d;
        CommonOps_DDRM.scale(1 - SHRINKAGE, covariance);
        double floor = Math.max(SHRINKAGE * meanVariance, 1e-9);
        for (int i = 0; i < d; i++) {
            covariance.add(i, i, floor);
        }
        DMatrixRMaj precision = new DMatrixRMaj(d, d);
        if (!CommonOps_DDRM.invertSPD(covariance, precision)) {
            throw new IllegalStateException("the embedding covariance could not be inverted");
        }
        double[][] rows = new double[d][];
        for (int i = 0; i < d; i++) {
            rows[i] = Arrays.copyOfRange(precision.data, i * d, (i + 1) * d);
        }
        return new UnfamiliarDetector.Parameters(means, rows);
    }

    /** The value below which {@code share} of the sorted scores fall (nearest rank). */
    static double percentile(double[] scores, double share) {
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(share * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }
}
