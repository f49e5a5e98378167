package org.mriclassifier.inference;

/**
 * The model's answer for one image: the (calibrated) probability of {@code tumor}, the label it implies at the
 * model's decision threshold, the model version, how long the request waited and ran (for metrics and logs), and
 * whether the image is unlike what the model was trained on, with the embedding distance behind it (NaN when the
 * model has no detector).
 */
public record Prediction(float probability, String label, String modelVersion, int batchSize,
                         long queueNanos, long inferenceNanos, boolean unfamiliar, double unfamiliarScore) {

    public static final String TUMOR = "tumor";
    public static final String HEALTHY = "healthy";
}
