package org.mriclassifier.inference;

import org.mriclassifier.mri.StoredImage;

/**
 * A command for {@code mri.model.heatmap}: a row's stored bytes and the model to draw its Grad-CAM on, which the
 * caller holds a lease on until the reply (so the model is not closed under the worker).
 */
public record HeatmapJob(StoredImage image, ServedModel model) {
}
