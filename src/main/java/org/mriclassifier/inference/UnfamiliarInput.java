package org.mriclassifier.inference;

/**
 * The one rule that raises the unfamiliar flag, shared by serving and evaluation: an image is unfamiliar when its
 * embedding lies beyond the model's detector threshold, when it is in colour (MRI slices are grey), or when it does not look
 * like a slice (no brain contour, a bright border, a blank, few grey levels: see the vision step's SliceLikeness), or
 * when its answer lies in the model's boundary band around the decision threshold (see
 * {@link ModelDescriptor.Unfamiliar}). A model without a detector flags on the two input checks only.
 */
public final class UnfamiliarInput {

    /**
     * Above this mean channel spread (see the vision step's colourfulness) an image is not an MRI slice (a photograph,
     * a coloured chart): grey slices saved as colour JPEGs measure under 0.02; a colour overlay on part of a slice
     * stays under it too. Kept here, free of OpenCV, so that the event-loop batcher never loads the native library.
     */
    public static final double COLOURFULNESS_LIMIT = 0.08;

    private UnfamiliarInput() {
    }

    public static boolean flagged(Classifier classifier, double score, double colourfulness, boolean notASlice, double probability) {
        return flagged(classifier.descriptor(), score, colourfulness, notASlice, probability);
    }

    public static boolean flagged(ModelDescriptor model, double score, double colourfulness, boolean notASlice, double probability) {
        ModelDescriptor.Unfamiliar detector = model.unfamiliar();
        double limit = detector != null ? detector.colourfulnessLimit() : COLOURFULNESS_LIMIT;
        boolean far = detector != null && UnfamiliarDetector.beyond(score, detector.threshold());
        return far || colourfulness > limit || notASlice || nearThreshold(model, probability);
    }

    /**
     * Whether a (calibrated) probability lies within the model's boundary band around its decision threshold, measured
     * in logits so that the band is as wide at a threshold of 0.05 as at 0.5. False for models without a band.
     */
    public static boolean nearThreshold(ModelDescriptor model, double probability) {
        ModelDescriptor.Unfamiliar detector = model.unfamiliar();
        return detector != null && withinBand(probability, model.decisionThreshold(), detector.boundaryBand());
    }

    /** Whether a probability lies within {@code band} logits of the threshold; false without a band (null). */
    public static boolean withinBand(double probability, double threshold, Double band) {
        if (band == null || Double.isNaN(probability)) {
            return false;
        }
        return Math.abs(logit(probability) - logit(threshold)) < band;
    }

    /** Distances of tuning-split probabilities to the threshold in logits; the band holding {@code share} of them. */
    public static double bandHolding(float[] probabilities, double threshold, double share) {
        if (!(share >= 0 && share < 1)) {
            throw new IllegalArgumentException("the boundary share must lie in [0, 1), not " + share);
        }
        int inside = (int) Math.floor(share * probabilities.length);
        if (inside == 0) {
            // too few tuning images to hold that share: no band (the distance to the nearest image could be anything)
            return 0;
        }
        double centre = logit(threshold);
        double[] distances = new double[probabilities.length];
        for (int i = 0; i < probabilities.length; i++) {
            distances[i] = Math.abs(logit(probabilities[i]) - centre);
        }
        java.util.Arrays.sort(distances);
        // the band is open: the images strictly closer than the k-th distance are inside, at most share of them
        return distances[inside];
    }

    static double logit(double p) {
        double clamped = Math.min(1 - 1e-7, Math.max(1e-7, p));
        return Math.log(clamped / (1 - clamped));
    }
}
