package org.mriclassifier.vision;

/** The bytes are not an image OpenCV can decode (not JPEG/PNG, truncated, or empty). */
public class ImageDecodeException extends RuntimeException {

    public ImageDecodeException(String message) {
        super(message);
    }
}
