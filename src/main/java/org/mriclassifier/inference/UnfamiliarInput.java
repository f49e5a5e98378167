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
        double limit = classifier.descriptor().unfamiliar() != null
                ? classifier.descriptor().unfamiliar().colourfulnessLimit()
                : Preprocessor.COLOURFULNESS_LIMIT;
        boolean far = classifier.hasUnfamiliarDetector() && !(score <= classifier.unfamiliarThreshold());
        return far || colourfulness > limit || noContour;
    }
}
