package org.mriclassifier.vision;

/**
 * What the vision worker found: the bytes to store ({@code stored}: the upload without its metadata, see
 * {@link MetadataStripper}) and their SHA-256, the format (judged by the bytes), the declared dimensions,
 * and the network's input (NHWC floats in [0,1]) after the model's preprocessing; {@code fallback} when no brain
 * contour was found and the whole image was used.
 */
public record VisionResult(byte[] stored, String sha256, ImageFormat format, int width, int height, float[] pixels, boolean fallback,
                           long preprocessNanos) {
}
