package org.mriclassifier.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.mriclassifier.testing.DrawnImages;
import org.mriclassifier.testing.TestImages;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

@DisplayName("Metadata stripping: what identifies a patient goes, the pixels stay exactly")
class MetadataStripperTest {

    private static final byte[] PATIENT = TestImages.PATIENT.getBytes(StandardCharsets.ISO_8859_1);

    @Test
    @DisplayName("a JPEG loses its EXIF (description, GPS), XMP, comment and appended bytes; it decodes to the same pixels")
    void jpegMetadataGoes() {
        byte[] original = TestImages.jpegWithPatientMetadata(11);
        assertTrue(TestImages.contains(original, PATIENT));
        byte[] stripped = MetadataStripper.strip(original);
        assertFalse(TestImages.contains(stripped, PATIENT), "the patient is still in the bytes");
        assertFalse(TestImages.contains(stripped, "Exif".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(TestImages.contains(stripped, "xap/1.0".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(TestImages.contains(stripped, "JFIF\0".getBytes(StandardCharsets.US_ASCII)), "JFIF is kept");
        assertEquals(0xD9, stripped[stripped.length - 1] & 0xFF, "ends at its end-of-image marker");
        assertArrayEquals(TestImages.decodedPixels(original), TestImages.decodedPixels(stripped));
    }

    @Test
    @DisplayName("a PNG loses its tEXt, iTXt, zTXt, eXIf and tIME chunks; it decodes to the same pixels")
    void pngMetadataGoes() {
        byte[] original = TestImages.pngWithPatientMetadata(12);
        byte[] stripped = MetadataStripper.strip(original);
        for (String chunk : List.of("tEXt", "iTXt", "zTXt", "eXIf", "tIME")) {
            assertTrue(TestImages.contains(original, chunk.getBytes(StandardCharsets.US_ASCII)), chunk);
            assertFalse(TestImages.contains(stripped, chunk.getBytes(StandardCharsets.US_ASCII)), chunk + " is still there");
        }
        assertFalse(TestImages.contains(stripped, PATIENT));
        assertArrayEquals(TestImages.decodedPixels(original), TestImages.decodedPixels(stripped));
    }

    @Test
    @DisplayName("an image without metadata keeps its bytes; stripping twice changes nothing more")
    void cleanImagesAndIdempotence() {
        byte[] png = TestImages.png(13);
        assertArrayEquals(png, MetadataStripper.strip(png));
        byte[] once = MetadataStripper.strip(TestImages.jpegWithPatientMetadata(14));
        assertArrayEquals(once, MetadataStripper.strip(once));
        byte[] pngOnce = MetadataStripper.strip(TestImages.pngWithPatientMetadata(15));
        assertArrayEquals(pngOnce, MetadataStripper.strip(pngOnce));
    }

    @Test
    @DisplayName("grey, alpha and 16-bit PNGs and a grey JPEG decode to the same pixels after stripping")
    void otherPixelFormats() {
        for (int type : new int[] {CvType.CV_8UC1, CvType.CV_8UC4, CvType.CV_16UC1, CvType.CV_16UC3}) {
            Mat image = DrawnImages.ellipseBrain(90, 70, 30, 25, type);
            byte[] png = DrawnImages.png(image);
            byte[] jpeg = CvType.depth(type) == CvType.CV_8U && CvType.channels(type) == 1 ? DrawnImages.jpeg(image) : null;
            image.release();
            assertArrayEquals(TestImages.decodedPixels(png), TestImages.decodedPixels(MetadataStripper.strip(png)));
            if (jpeg != null) {
                assertArrayEquals(TestImages.decodedPixels(jpeg), TestImages.decodedPixels(MetadataStripper.strip(jpeg)));
            }
        }
    }

    @Test
    @DisplayName("every truncation and random corruption either strips or throws MalformedImage, never anything else")
    void malformedInputIsNamed() {
        assertThrows(MetadataStripper.MalformedImage.class, () -> MetadataStripper.strip(new byte[0]));
        assertThrows(MetadataStripper.MalformedImage.class, () -> MetadataStripper.strip("GIF89a".getBytes(StandardCharsets.US_ASCII)));
        assertThrows(MetadataStripper.MalformedImage.class, () -> MetadataStripper.strip(TestImages.corruptPng(16)));
        for (byte[] good : List.of(TestImages.jpegWithPatientMetadata(17), TestImages.pngWithPatientMetadata(18))) {
            // a cut anywhere before the end marker is malformed (the JPEG's appended bytes may go)
            int lastNeeded = good[0] == (byte) 0x89 ? good.length : indexOfEoi(good) + 2;
            for (int cut = 0; cut < lastNeeded; cut++) {
                byte[] truncated = Arrays.copyOf(good, cut);
                assertThrows(MetadataStripper.MalformedImage.class, () -> MetadataStripper.strip(truncated), "cut at " + cut);
            }
            Random random = new Random(19);
            for (int n = 0; n < 3000; n++) {
                byte[] mutated = good.clone();
                for (int k = 0; k < 1 + random.nextInt(4); k++) {
                    mutated[random.nextInt(mutated.length)] = (byte) random.nextInt();
                }
                try {
                    byte[] out = MetadataStripper.strip(mutated);
                    assertArrayEquals(out, MetadataStripper.strip(out), "stripping is idempotent");
                } catch (MetadataStripper.MalformedImage expected) {
                    assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank());
                }
            }
        }
    }

    @Test
    @DisplayName("every image of the shared data sets strips to the same decoded pixels")
    void sharedDatasets() throws IOException {
        Path root = TestImages.datasets();
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).filter(MetadataStripperTest::isImage).toList()) {
                byte[] bytes = Files.readAllBytes(file);
                try {
                    byte[] stripped = MetadataStripper.strip(bytes);
                    if (!Arrays.equals(TestImages.decodedPixels(bytes), TestImages.decodedPixels(stripped))) {
                        wrong.add(file + ": different pixels");
                    }
                } catch (RuntimeException e) {
                    wrong.add(file + ": " + e.getMessage());
                }
                checked++;
            }
        }
        assertTrue(checked > 0, "no images under " + root);
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + checked + ":\n" + String.join("\n", wrong.subList(0, Math.min(20, wrong.size()))));
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png");
    }

    private static int indexOfEoi(byte[] b) {
        for (int i = b.length - 2; i >= 0; i--) {
            if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xD9) {
                return i;
            }
        }
        throw new IllegalArgumentException("no EOI");
    }
}
