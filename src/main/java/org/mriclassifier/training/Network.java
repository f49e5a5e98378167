package org.mriclassifier.training;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What an architecture builds from a batch of images.
 *
 * @param logits     one tumor logit per image, shape [batch, 1]
 * @param embedding  the penultimate features, shape [batch, d]: what the unfamiliar-input detector measures distances on
 * @param featureMap the last convolutional block's activation, shape [batch, h, w, c]: what Grad-CAM weighs
 */
public record Network(Operand<TFloat32> logits, Operand<TFloat32> embedding, Operand<TFloat32> featureMap) {
}
