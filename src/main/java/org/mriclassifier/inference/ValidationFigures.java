package org.mriclassifier.inference;

/**
 * A model's figures on images it did not train on, as stored in model.json.
 *
 * @param description which images (split, data sets)
 * @param auc         null when the images hold one class only (AUC undefined)
 */
public record ValidationFigures(String description, int n, double accuracy, double precision, double recall, double f1,
                                Double auc, int tp, int tn, int fp, int fn) {
}
