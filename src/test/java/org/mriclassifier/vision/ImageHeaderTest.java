package org.mriclassifier.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mriclassifier.testing.TestImages;

@DisplayName("Image headers: the decoded size is known before any decoder runs")
class ImageHeaderTest {

    private static final long BUDGET = 64L << 20;

    @ParameterizedTest(name = "{0}x{1}, {2} bits, colour type {3}: {4} decoded bytes")
    @CsvSource({
            "4096, 4096, 8, 6, 67108864",
            "4096, 4096, 8, 2, 50331648",
            "4096, 4096, 16, 0, 33554432",
            "2048, 2048, 16, 6, 33554432",
            "1000, 1000, 1, 0, 1000000",
            "1000, 1000, 8, 3, 4000000"})
    void withinTheBudget(int width, int height, int bits, int colourType, long decoded) {
        ImageHeader.Facts facts = ImageHeader.inspect(TestImages.blackPng(width, height, bits, colourType),
                16_777_216L, 8192, BUDGET);
        assertEquals(decoded, facts.decodedBytes());
    }

    @ParameterizedTest(name = "{0}x{1}, {2} bits, colour type {3}: refused")
    @CsvSource({"4096, 4096, 16, 6", "4096, 4096, 16, 2", "4100, 4100, 16, 4"})
    void overTheBudget(int width, int height, int bits, int colourType) {
        ImageHeader.Rejected rejected = assertThrows(ImageHeader.Rejected.class, () -> ImageHeader.inspect(
                TestImages.blackPng(width, height, bits, colourType), 16_777_216L, 8192, BUDGET));
        assertEquals(413, rejected.status());
    }

    @org.junit.jupiter.api.Test
    @DisplayName("a JPEG's channels and precision come from its frame header")
    void jpegFacts() {
        ImageHeader.Facts facts = ImageHeader.inspect(TestImages.jpeg(3), 16_777_216L, 8192, BUDGET);
        assertEquals(3, facts.channels());
        assertEquals(1, facts.bytesPerSample());
    }
}
