package org.mriclassifier.mri;

/** The reply of {@code mri.image}: the stored bytes, exactly as uploaded, and their content type. */
public record StoredImage(String id, byte[] bytes, String contentType) {
}
