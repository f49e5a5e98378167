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

    /** A patient's particulars, as a careless modality writes them into an image's metadata. */
    public static final String PATIENT = "Jane Q. Patient, born 1961-04-12, MRN 004417";

    /**
     * A drawn JPEG carrying what a careless modality writes: an EXIF block with the patient in ImageDescription and
     * a GPS position, an XMP packet and a comment, all holding {@link #PATIENT}, and a few bytes appended after the
     * end-of-image marker.
     */
    public static byte[] jpegWithPatientMetadata(long seed) {
        byte[] plain = jpeg(seed);
        // after SOI and OpenCV's JFIF APP0
        int at = 2;
        if ((plain[3] & 0xFF) == 0xE0) {
            at = 4 + (((plain[4] & 0xFF) << 8) | (plain[5] & 0xFF));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(plain, 0, at);
        segment(out, 0xE1, exif(PATIENT));
        segment(out, 0xE1, ("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><dc:description>" + PATIENT
                + "</dc:description></x:xmpmeta>").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        segment(out, 0xFE, PATIENT.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.write(plain, at, plain.length - at);
        out.writeBytes(("appended " + PATIENT).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** A drawn PNG with {@link #PATIENT} in tEXt, iTXt and zTXt chunks, an eXIf chunk and a tIME chunk. */
    public static byte[] pngWithPatientMetadata(long seed) {
        byte[] plain = png(seed);
        int afterHeader = 8 + 12 + 13;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(plain, 0, afterHeader);
        byte[] latin = PATIENT.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        chunk(out, "tEXt", concat("Author\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), latin));
        chunk(out, "iTXt", concat("Description\0\0\0\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), latin));
        java.io.ByteArrayOutputStream compressed = new java.io.ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream deflate = new java.util.zip.DeflaterOutputStream(compressed)) {
            deflate.write(latin);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        chunk(out, "zTXt", concat("Comment\0\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), compressed.toByteArray()));
        byte[] exif = exif(PATIENT);
        chunk(out, "eXIf", Arrays.copyOfRange(exif, 6, exif.length));
        chunk(out, "tIME", new byte[] {0x07, (byte) 0xEA, 12, 3, 12, 15, 0});
        out.write(plain, afterHeader, plain.length - afterHeader);
        return out.toByteArray();
    }

    /**
     * An APP1 EXIF payload ("Exif\0\0" + a big-endian TIFF structure): IFD0 with ImageDescription = description
     * and a pointer to a GPS IFD holding a latitude.
     */
    static byte[] exif(String description) {
        byte[] text = (description + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int ifd0 = 8;
        int ifd0Size = 2 + 2 * 12 + 4;
        int textAt = ifd0 + ifd0Size;
        int gpsAt = textAt + text.length;
        int gpsSize = 2 + 2 * 12 + 4;
        int rationalsAt = gpsAt + gpsSize;
        ByteBuffer tiff = ByteBuffer.allocate(rationalsAt + 24);
        tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(ifd0);
        tiff.putShort((short) 2);
        tiff.putShort((short) 0x010E).putShort((short) 2).putInt(text.length).putInt(textAt);
        tiff.putShort((short) 0x8825).putShort((short) 4).putInt(1).putInt(gpsAt);
        tiff.putInt(0);
        tiff.put(text);
        tiff.putShort((short) 2);
        tiff.putShort((short) 1).putShort((short) 2).putInt(2).put((byte) 'N').put((byte) 0).putShort((short) 0);
        tiff.putShort((short) 2).putShort((short) 5).putInt(3).putInt(rationalsAt);
        tiff.putInt(0);
        tiff.putInt(47).putInt(1).putInt(22).putInt(1).putInt(1234).putInt(100);
        return concat("Exif\0\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII), tiff.array());
    }

    private static void segment(ByteArrayOutputStream out, int marker, byte[] payload) {
        out.write(0xFF);
        out.write(marker);
        out.write((payload.length + 2) >> 8);
        out.write((payload.length + 2) & 0xFF);
        out.writeBytes(payload);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** Whether {@code needle} occurs anywhere in {@code haystack}. */
    public static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** The pixels OpenCV decodes (unchanged: depth and channels as stored), with the size in front. */
    public static byte[] decodedPixels(byte[] image) {
        org.mriclassifier.vision.OpenCvLoader.ensureLoaded();
        org.opencv.core.MatOfByte encoded = new org.opencv.core.MatOfByte(image);
        Mat decoded = org.opencv.imgcodecs.Imgcodecs.imdecode(encoded, org.opencv.imgcodecs.Imgcodecs.IMREAD_UNCHANGED);
        encoded.release();
        try {
            if (decoded.empty()) {
                throw new IllegalStateException("OpenCV cannot decode these " + image.length + " bytes");
            }
            int bytes = (int) (decoded.total() * decoded.elemSize());
            byte[] pixels = new byte[bytes];
            Mat continuous = decoded.isContinuous() ? decoded : decoded.clone();
            if (decoded.depth() == org.opencv.core.CvType.CV_8U) {
                continuous.get(0, 0, pixels);
            } else {
                short[] wide = new short[bytes / 2];
                continuous.get(0, 0, wide);
                ByteBuffer.wrap(pixels).asShortBuffer().put(wide);
            }
            String shape = decoded.cols() + "x" + decoded.rows() + "x" + decoded.channels() + "@" + decoded.depth() + ";";
            return concat(shape.getBytes(java.nio.charset.StandardCharsets.US_ASCII), pixels);
        } finally {
            decoded.release();
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

    /**
     * A valid all-black PNG of any size, bit depth and colour type, written row by row through a deflater: a
     * 4096x4096 16-bit RGBA image (128 MiB decoded) is a file of about 130 KB.
     */
    public static byte[] blackPng(int width, int height, int bitDepth, int colourType) {
        int samples = switch (colourType) {
            case 0, 3 -> 1;
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> throw new IllegalArgumentException("colour type " + colourType);
        };
        int rowBytes = 1 + (int) (((long) width * samples * bitDepth + 7) / 8);
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream deflate = new java.util.zip.DeflaterOutputStream(compressed,
                new java.util.zip.Deflater(9), 1 << 16)) {
            byte[] row = new byte[rowBytes];
            for (int y = 0; y < height; y++) {
                deflate.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) bitDepth).put((byte) colourType)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        if (colourType == 3) {
            chunk(out, "PLTE", new byte[3]);
        }
        chunk(out, "IDAT", compressed.toByteArray());
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
