package org.mriclassifier.training;

/** What one epoch achieved; tuning figures are NaN when no tuning split was held back. */
public record EpochRecord(int epoch, double trainLoss, double trainAccuracy, double tuningLoss,
                          double tuningAccuracy, double tuningAuc, double seconds) {
}
