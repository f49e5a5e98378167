package org.mriclassifier.inference;

/**
 * A command for {@code mri.model.heatmap}: a row's id (for the log) and stored bytes, and the model to draw its Grad-CAM on, with a lease
 * on it that the job hands to the worker: the worker gives it back once it is done with the model (even after the
 * caller stopped waiting), so the model is never closed under it.
 */
public record HeatmapJob(String id, byte[] bytes, ServedModel model) {
}
