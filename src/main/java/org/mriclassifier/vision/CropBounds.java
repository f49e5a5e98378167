package org.mriclassifier.vision;

/** A crop rectangle in the square working frame (pixels, origin top left). */
public record CropBounds(int x, int y, int width, int height) {

    public CropBounds {
        if (x < 0 || y < 0 || width <= 0 || height <= 0) {
            throw new IllegalArgumentException("invalid crop bounds " + x + "," + y + " " + width + "x" + height);
        }
    }

    public static CropBounds whole(int size) {
        return new CropBounds(0, 0, size, size);
    }
}
