package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Augmentation")
class AugmenterTest {

    private static float[] gradient(int size) {
        float[] pixels = new float[size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                pixels[y * size + x] = x / (float) (size - 1);
            }
        }
        return pixels;
    }

    @Test
    @DisplayName("leaves images untouched when switched off (evaluation and serving never augment)")
    void offMeansUntouched() {
        float[] pixels = gradient(8);
        assertSame(pixels, new Augmenter(AugmentSpec.none()).apply(pixels, 8, 1, new Random(1)));
    }

    @Test
    @DisplayName("mirrors left-right exactly when only flipping is on")
    void horizontalFlip() {
        float[] pixels = gradient(8);
        Augmenter flipOnly = new Augmenter(new AugmentSpec(true, 0, true, false, 0, 0));
        Random random = new Random(3);
        boolean sawFlip = false;
        for (int trial = 0; trial < 10; trial++) {
            float[] out = flipOnly.apply(pixels, 8, 1, random);
            if (out[0] != pixels[0]) {
                sawFlip = true;
                assertEquals(pixels[7], out[0], 1e-6);
            } else {
                assertArrayEquals(pixels, out, 1e-6f);
            }
        }
        assertTrue(sawFlip);
    }

    @Test
    @DisplayName("keeps the size and the [0,1] range under rotation, zoom and brightness, and does change the image")
    void fullAugmentation() {
        float[] pixels = gradient(16);
        float[] rgb = new float[16 * 16 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = pixels[i / 3];
        }
        float[] out = new Augmenter(new AugmentSpec(true, 15, true, true, 0.1, 0.3)).apply(rgb, 16, 3, new Random(5));
        assertEquals(rgb.length, out.length);
        for (float v : out) {
            assertTrue(v >= 0f && v <= 1f);
        }
        assertNotEquals(java.util.Arrays.toString(rgb), java.util.Arrays.toString(out));
    }
}
