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

    public UnfamiliarDetector(Parameters parameters, double threshold) {
        this.parameters = parameters;
        this.threshold = threshold;
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

    public boolean unfamiliar(double score) {
        return !(score <= threshold);
    }
}
