package org.mriclassifier.vision;

/**
 * What the vision worker found: the bytes to store ({@code stored}: the upload without its metadata, see
 * {@link MetadataStripper}) and their SHA-256, the format (judged by the bytes), the declared dimensions,
 * and the network's input (NHWC floats in [0,1]) after the model's preprocessing; {@code notASlice} when no brain contour was found or the frame does not look
 * like a slice (see {@link Preprocessed#notASlice()}); {@code colourfulness} the image's mean channel spread (0 for grey).
 */
public record VisionResult(byte[] stored, String sha256, ImageFormat format, int width, int height, float[] pixels, boolean notASlice,
                           long preprocessNanos, double colourfulness) {
}
