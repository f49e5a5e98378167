package org.mriclassifier.inference;

/**
 * The one rule that raises the unfamiliar flag, shared by serving and evaluation: an image is unfamiliar when its
 * embedding lies beyond the model's detector threshold, when it is in colour (MRI slices are grey), or when it does not look
 * like a slice (no brain contour, a bright border, a blank, few grey levels: see the vision step's SliceLikeness). A model without a detector flags on the two input checks only.
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

    public static boolean flagged(Classifier classifier, double score, double colourfulness, boolean notASlice) {
        return flagged(classifier.descriptor(), score, colourfulness, notASlice);
    }

    public static boolean flagged(ModelDescriptor model, double score, double colourfulness, boolean notASlice) {
        ModelDescriptor.Unfamiliar detector = model.unfamiliar();
        double limit = detector != null ? detector.colourfulnessLimit() : COLOURFULNESS_LIMIT;
        boolean far = detector != null && !(score <= detector.threshold());
        return far || colourfulness > limit || notASlice;
    }
}
