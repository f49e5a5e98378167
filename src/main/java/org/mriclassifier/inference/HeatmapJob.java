package org.mriclassifier.inference;

import org.mriclassifier.mri.StoredImage;

/**
 * A command for {@code mri.model.heatmap}: a row's stored bytes and the model to draw its Grad-CAM on, with a lease
 * on it that the job hands to the worker: the worker gives it back once it is done with the model (even after the
 * caller stopped waiting), so the model is never closed under it.
 */
public record HeatmapJob(StoredImage image, ServedModel model) {
}
