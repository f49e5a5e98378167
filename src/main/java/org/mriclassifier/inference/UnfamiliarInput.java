package org.mriclassifier.inference;

import org.mriclassifier.vision.Preprocessor;

/**
 * The one rule that raises the unfamiliar flag, shared by serving and evaluation: an image is unfamiliar when its
 * embedding lies beyond the model's detector threshold, when it is in colour (MRI slices are grey), or when no brain
 * contour was found in it. A model without a detector flags on the two input checks only.
 */
public final class UnfamiliarInput {

    private UnfamiliarInput() {
    }

    public static boolean flagged(Classifier classifier, double score, double colourfulness, boolean noContour) {
        return flagged(classifier.descriptor(), score, colourfulness, noContour);
    }

    public static boolean flagged(ModelDescriptor model, double score, double colourfulness, boolean noContour) {
        ModelDescriptor.Unfamiliar detector = model.unfamiliar();
        double limit = detector != null ? detector.colourfulnessLimit() : Preprocessor.COLOURFULNESS_LIMIT;
        boolean far = detector != null && !(score <= detector.threshold());
        return far || colourfulness > limit || noContour;
    }
}
