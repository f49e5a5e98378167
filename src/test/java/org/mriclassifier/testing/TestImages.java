package org.mriclassifier.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import org.opencv.core.Mat;

/**
 * Images for the MRI tests: drawn ones (each seed a different image, so uploads never collide), real ones
 * from ../shared/datasets (or $MRI_DATASETS), and the bad files an upload must refuse.
 */
public final class TestImages {

    private TestImages() {
    }

    /** A drawn "brain" with a lesion at a position chosen by the seed: distinct bytes for every seed. */
    public static byte[] png(long seed) {
        return encode(seed, true);
    }

    public static byte[] jpeg(long seed) {
        return encode(seed, false);
    }

    private static byte[] encode(long seed, boolean png) {
        Random random = new Random(seed);
        int size = 120 + random.nextInt(80);
        Mat image = DrawnImages.brainWithBlob(size, true, size * (0.3 + 0.4 * random.nextDouble()),
                size * (0.3 + 0.4 * random.nextDouble()));
        try {
            return png ? DrawnImages.png(image) : DrawnImages.jpeg(image);
        } finally {
            image.release();
        }
    }

    public static Path datasets() {
        String fromEnv = System.getenv("MRI_DATASETS");
        return fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : Path.of("../shared/datasets");
    }

    /** A real scan from the shared data sets. */
    public static byte[] real(String relativePath) {
        try {
            return Files.readAllBytes(datasets().resolve(relativePath));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A PNG whose header declares the given size, with a tiny body: a pixel bomb when the size is large. */
    public static byte[] pngDeclaring(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] typeBytes = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** The first part of a valid JPEG: its headers parse, its image data stops short. */
    public static byte[] truncatedJpeg(long seed) {
        byte[] full = jpeg(seed);
        return Arrays.copyOf(full, full.length / 2);
    }

    /** A PNG whose header and end are right but whose pixel data is garbage. */
    public static byte[] corruptPng(long seed) {
        byte[] good = png(seed);
        byte[] bad = good.clone();
        Random random = new Random(seed);
        for (int i = 60; i < bad.length - 20; i++) {
            bad[i] = (byte) random.nextInt();
        }
        return bad;
    }

    public static byte[] bmp() {
        byte[] b = new byte[70];
        b[0] = 'B';
        b[1] = 'M';
        return b;
    }

    public static byte[] gif() {
        return "GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    public static byte[] tiff() {
        return new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0};
    }

    public static byte[] jpeg2000() {
        return new byte[] {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, (byte) 0x87, 0x0A};
    }
}
