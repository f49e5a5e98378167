package org.mriclassifier.inference;

/**
 * The model's answer for one image: the probability of {@code tumor}, the label it implies at the model's
 * decision threshold, the model version, and how long the request waited and ran (for metrics and logs).
 */
public record Prediction(float probability, String label, String modelVersion, int batchSize,
                         long queueNanos, long inferenceNanos) {

    public static final String TUMOR = "tumor";
    public static final String HEALTHY = "healthy";
}
