package org.mriclassifier.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.mriclassifier.testing.Promise;

/**
 * The image header reader (format by magic bytes, declared dimensions and sample sizes, completeness) on any
 * bytes at all: it answers with facts that hold (within the pixel, side and decoded-bytes budgets), or refuses
 * with 400/413/415/422, and nothing else. Seeds: {@code ImageHeaderFuzzTestInputs/} (drawn PNG and JPEG images,
 * pixel bombs, the other formats, truncated and corrupt files), written by {@code FuzzSeeds}.
 */
class ImageHeaderFuzzTest {

    static final long MAX_PIXELS = 16_777_216L;
    static final int MAX_SIDE = 8192;
    static final long MAX_DECODED_BYTES = 64L << 20;

    @FuzzTest(maxDuration = "6s")
    void headerFactsHoldOrTheImageIsRefused(byte[] bytes) {
        ImageHeader.Facts facts;
        try {
            facts = ImageHeader.inspect(bytes, MAX_PIXELS, MAX_SIDE, MAX_DECODED_BYTES);
        } catch (ImageHeader.Rejected refused) {
            assertTrue(Set.of(400, 413, 415, 422).contains(refused.status()), () -> "status " + refused.status());
            Promise.clearMessage(refused.getMessage(), new String(bytes, StandardCharsets.ISO_8859_1));
            return;
        }
        // the facts are true of the bytes: the format is the one the magic bytes name, the size is within bounds
        boolean png = bytes.length >= 8 && (bytes[0] & 0xFF) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G';
        assertEquals(png ? ImageFormat.PNG : ImageFormat.JPEG, facts.format());
        if (!png) {
            assertTrue((bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8 && (bytes[2] & 0xFF) == 0xFF, "JPEG magic");
        }
        assertTrue(facts.width() > 0 && facts.height() > 0, () -> "declared " + facts);
        assertTrue(facts.width() <= MAX_SIDE && facts.height() <= MAX_SIDE, () -> "declared " + facts);
        assertTrue((long) facts.width() * facts.height() <= MAX_PIXELS, () -> "declared " + facts);
        assertTrue(facts.channels() >= 1 && facts.channels() <= 4 && (facts.bytesPerSample() == 1 || facts.bytesPerSample() == 2),
                () -> "declared " + facts);
        assertTrue(facts.decodedBytes() <= MAX_DECODED_BYTES, () -> "declared " + facts);
        assertTrue(complete(bytes, facts.format()), "a complete file: IEND or EOI at its end");
    }

    private static boolean complete(byte[] b, ImageFormat format) {
        if (format == ImageFormat.PNG) {
            String tail = new String(b, Math.max(0, b.length - 64), Math.min(64, b.length), StandardCharsets.ISO_8859_1);
            return tail.contains("IEND");
        }
        for (int i = Math.max(0, b.length - 1024); i + 1 < b.length; i++) {
            if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xD9) {
                return true;
            }
        }
        return false;
    }
}
