package org.mriclassifier.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.mriclassifier.testing.Promise;

/**
 * The metadata stripper on any bytes: it refuses them as malformed, or returns an image that holds no metadata
 * (no APPn segment but JFIF without thumbnail, ICC profile and Adobe; no COM; in a PNG only the chunks that
 * define pixels), that strips to itself, and that decodes to exactly the pixels of the original, checked by
 * OpenCV in a child JVM ({@link DecodeWorker}).
 */
class MetadataStripperFuzzTest {

    private static final Set<String> PNG_PIXEL_CHUNKS = Set.of("IHDR", "PLTE", "IDAT", "IEND",
            "tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "bKGD", "pHYs");
    private static final DecodeChild OPENCV = new DecodeChild();

    @FuzzTest(maxDuration = "15s")
    void strippedImagesHoldNoMetadataAndTheSamePixels(byte[] bytes) throws Exception {
        byte[] stripped;
        try {
            stripped = MetadataStripper.strip(bytes);
        } catch (MetadataStripper.MalformedImage refused) {
            Promise.clearMessage(refused.getMessage(), new String(bytes, StandardCharsets.ISO_8859_1));
            return;
        }
        assertTrue(stripped.length <= bytes.length + 18, "stripping adds at most a rewritten JFIF header");
        assertArrayEquals(stripped, MetadataStripper.strip(stripped), "stripping its own output changes nothing");
        if ((stripped[0] & 0xFF) == 0x89) {
            pngHoldsOnlyPixelChunks(stripped);
        } else {
            jpegHoldsNoMetadata(stripped);
        }
        String same = OPENCV.ask('S', bytes, stripped);
        assertTrue(same.equals("SAME") || same.equals("ORIGINAL_UNDECODABLE"), () -> "after stripping: " + same);
    }

    private static void pngHoldsOnlyPixelChunks(byte[] b) {
        int i = 8;
        while (i + 12 <= b.length) {
            int length = ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            String type = new String(b, i + 4, 4, StandardCharsets.ISO_8859_1);
            assertTrue(PNG_PIXEL_CHUNKS.contains(type), () -> "a " + type + " chunk survived stripping");
            i += 12 + length;
            if (type.equals("IEND")) {
                assertEquals(b.length, i, "nothing after IEND");
                return;
            }
        }
        fail("the stripped PNG has no IEND");
    }

    /** Walks every segment, skipping each scan's entropy-coded data, to the end-of-image marker. */
    private static void jpegHoldsNoMetadata(byte[] b) {
        int i = 2;
        int app0 = 0;
        while (i + 2 <= b.length) {
            assertEquals(0xFF, b[i] & 0xFF, "segments follow each other without fill bytes");
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xD9) {
                assertEquals(b.length, i + 2, "nothing after the end-of-image marker");
                return;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2;
                continue;
            }
            int length = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            String start = new String(b, i + 4, Math.min(12, Math.max(0, length - 2)), StandardCharsets.ISO_8859_1);
            if (marker == 0xE0) {
                app0++;
                assertTrue(app0 == 1 && length == 16 && start.startsWith("JFIF\0"), "only one JFIF APP0, without thumbnail");
                assertEquals(0, b[i + 16] | b[i + 17], "the JFIF thumbnail is gone");
            } else if (marker == 0xE2) {
                assertTrue(start.startsWith("ICC_PROFILE\0"), () -> "an APP2 that is not an ICC profile survived: " + start);
            } else if (marker == 0xEE) {
                assertTrue(length == 14 && start.startsWith("Adobe"), () -> "an APP14 that is not Adobe's survived: " + start);
            } else {
                assertTrue(!(marker >= 0xE0 && marker <= 0xEF) && marker != 0xFE,
                        () -> "a metadata segment FF" + Integer.toHexString(marker) + " survived stripping");
            }
            i += 2 + length;
            if (marker == 0xDA) {
                // the scan's compressed data, copied as it was, runs to the next marker that is not FF00 or RSTn
                while (i + 1 < b.length && !((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) != 0
                        && !((b[i + 1] & 0xFF) >= 0xD0 && (b[i + 1] & 0xFF) <= 0xD7))) {
                    i++;
                }
            }
        }
        fail("the stripped JPEG has no end-of-image marker");
    }

    @AfterAll
    static void stop() {
        OPENCV.stop();
    }
}
