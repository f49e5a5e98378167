package org.mriclassifier.inference;

/**
 * One image's Grad-CAM, drawn at the stored image's size: {@code overlay} the image under a colour map of the heat
 * (PNG), {@code raw} the map alone as 8-bit grey (PNG, 255 at the map's maximum, 0 where nothing argued for a tumor).
 *
 * @param peak the map's maximum before scaling; 0 when no part of the image raised the tumor logit
 */
public record Heatmap(byte[] overlay, byte[] raw, double peak, String modelVersion) {

    /** Bytes held, for the cache's bound. */
    public long bytes() {
        return (long) overlay.length + raw.length;
    }
}
