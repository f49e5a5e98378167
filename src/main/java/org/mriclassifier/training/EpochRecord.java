package org.mriclassifier.training;

/**
 * What one epoch achieved; tuning figures are NaN when no tuning split was held back. {@code selectionLoss} is the
 * figure the epoch is picked on: the pooled tuning loss, or with a per-source choice the mean of each data set's.
 */
public record EpochRecord(int epoch, double trainLoss, double trainAccuracy, double tuningLoss,
                          double tuningAccuracy, double tuningAuc, double selectionLoss, double seconds) {

    /** The same epoch with its duration set. */
    EpochRecord took(double elapsedSeconds) {
        return new EpochRecord(epoch, trainLoss, trainAccuracy, tuningLoss, tuningAccuracy, tuningAuc, selectionLoss, elapsedSeconds);
    }
}
