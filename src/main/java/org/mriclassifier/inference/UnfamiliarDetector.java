package org.mriclassifier.inference;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Measures how far an image's embedding lies from what the model was trained on: the Mahalanobis distance to the
 * nearest class mean under one shared covariance (a linear discriminant's geometry), as in Lee et al. 2018. Images
 * unlike every training image (another body part, a photograph, noise, a scanner far from the training sources) land
 * far from both means; the threshold is a high percentile of the distances of the tuning split.
 */
public final class UnfamiliarDetector {

    public static final String FILE_NAME = "unfamiliar.json";

    /**
     * What unfamiliar.json holds.
     *
     * @param means     one mean embedding per class (healthy, tumor)
     * @param precision the inverse of the shared, shrunk covariance, row-major, d x d
     */
    public record Parameters(double[][] means, double[][] precision) {

        public Parameters {
            int d = precision.length;
            for (double[] mean : means) {
                if (mean.length != d) {
                    throw new IllegalArgumentException("unfamiliar detector: a mean of " + mean.length + " values for a " + d + "-dimensional precision");
                }
            }
            for (double[] row : precision) {
                if (row.length != d) {
                    throw new IllegalArgumentException("unfamiliar detector: the precision matrix is not square");
                }
            }
        }

        public int dimensions() {
            return precision.length;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Parameters parameters;
    private final double threshold;
    /**
     * The Cholesky factor of the precision's symmetric part, S = L Lᵀ, row i holding L[i][0..i]; then the distance to
     * a mean is |Lᵀx - Lᵀμ|, one triangular product per image (d²/2 multiply-adds, in a form the JIT vectorises)
     * instead of a full matrix product per class. Null when S is not positive definite (then the direct form).
     */
    private final double[][] lower;
    /** Lᵀμ of each class mean, with {@link #lower}. */
    private final double[][] projectedMeans;

    public UnfamiliarDetector(Parameters parameters, double threshold) {
        this.parameters = parameters;
        this.threshold = threshold;
        this.lower = cholesky(parameters.precision());
        if (lower == null) {
            projectedMeans = null;
        } else {
            projectedMeans = new double[parameters.means().length][];
            for (int k = 0; k < projectedMeans.length; k++) {
                projectedMeans[k] = new double[parameters.dimensions()];
                project(parameters.means()[k], 0, projectedMeans[k]);
            }
        }
    }

    /** L with L Lᵀ = (P + Pᵀ) / 2, or null when that is not positive definite. */
    static double[][] cholesky(double[][] precision) {
        int d = precision.length;
        double[][] l = new double[d][];
        for (int i = 0; i < d; i++) {
            l[i] = new double[i + 1];
            for (int j = 0; j <= i; j++) {
                double sum = (precision[i][j] + precision[j][i]) / 2;
                double[] li = l[i];
                double[] lj = l[j];
                for (int k = 0; k < j; k++) {
                    sum -= li[k] * lj[k];
                }
                if (i == j) {
                    if (!(sum > 0)) {
                        return null;
                    }
                    li[i] = Math.sqrt(sum);
                } else {
                    li[j] = sum / lj[j];
                }
            }
        }
        return l;
    }

    /** out = Lᵀ v (d values of {@code v} from {@code offset}): for each i, out[0..i] += L[i][0..i] v[i]. */
    private void project(double[] v, int offset, double[] out) {
        for (int i = 0; i < lower.length; i++) {
            double vi = v[offset + i];
            double[] row = lower[i];
            for (int j = 0; j <= i; j++) {
                out[j] += row[j] * vi;
            }
        }
    }

    public static UnfamiliarDetector load(Path modelDir, ModelDescriptor.Unfamiliar settings) throws IOException {
        Parameters parameters = JSON.readValue(modelDir.resolve(settings.file()).toFile(), Parameters.class);
        return new UnfamiliarDetector(parameters, settings.threshold());
    }

    public static void write(Path modelDir, Parameters parameters) throws IOException {
        JSON.writeValue(modelDir.resolve(FILE_NAME).toFile(), parameters);
    }

    public int dimensions() {
        return parameters.dimensions();
    }

    public double threshold() {
        return threshold;
    }

    /** Distance of one embedding (d values from {@code offset}) to the nearest class mean. */
    public double score(float[] embeddings, int offset) {
        if (lower == null) {
            return direct(embeddings, offset);
        }
        int d = parameters.dimensions();
        double[] x = new double[d];
        for (int i = 0; i < d; i++) {
            x[i] = embeddings[offset + i];
        }
        double[] z = new double[d];
        project(x, 0, z);
        double best = Double.POSITIVE_INFINITY;
        for (double[] mean : projectedMeans) {
            double sum = 0;
            for (int j = 0; j < d; j++) {
                double diff = z[j] - mean[j];
                sum += diff * diff;
            }
            best = Math.min(best, sum);
        }
        return Math.sqrt(best);
    }

    /** The same distance as {@link #score}, straight from the precision matrix: (x - μ)ᵀ P (x - μ) per class. */
    double direct(float[] embeddings, int offset) {
        int d = parameters.dimensions();
        double[] centred = new double[d];
        double best = Double.POSITIVE_INFINITY;
        for (double[] mean : parameters.means()) {
            for (int i = 0; i < d; i++) {
                centred[i] = embeddings[offset + i] - mean[i];
            }
            double sum = 0;
            for (int i = 0; i < d; i++) {
                double[] row = parameters.precision()[i];
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    dot += row[j] * centred[j];
                }
                sum += centred[i] * dot;
            }
            best = Math.min(best, Math.sqrt(Math.max(0, sum)));
        }
        return best;
    }

    /**
     * Beyond the threshold. The threshold is one tuning image's distance, so that image lies on it; a relative
     * allowance of 1e-9 (far above rounding, about 1e-15 here, and far below any difference between images) keeps it
     * on the same side whichever order the arithmetic took.
     */
    public boolean unfamiliar(double score) {
        return beyond(score, threshold);
    }

    /** Whether a distance lies beyond a threshold, as {@link #unfamiliar(double)} says it. */
    public static boolean beyond(double score, double threshold) {
        return !(score <= threshold + 1e-9 * Math.abs(threshold));
    }
}
