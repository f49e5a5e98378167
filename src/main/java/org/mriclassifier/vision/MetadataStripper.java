package org.mriclassifier.vision;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Removes the metadata of a JPEG or PNG without touching its pixels: the compressed image data is copied byte for
 * byte, never decoded or re-encoded, so the stripped file decodes to exactly the same pixels. Patient names, dates
 * of birth, record numbers and GPS positions hide in such metadata (EXIF, XMP, IPTC, comments, PNG text), and
 * uploads are stored and served back, so only what a decoder needs is kept.
 *
 * <p>JPEG: every segment up to the end-of-image marker is kept but the application segments (APP0 to APP15) and
 * comments (COM), except the first JFIF APP0 (rewritten without its thumbnail), ICC profile APP2 segments and a
 * standard 12-byte Adobe APP14 (its colour-transform flag decides how the decoder reads the colours). Fill bytes
 * between segments and everything after the end-of-image marker (appended files, a polyglot's second half) go.
 *
 * <p>PNG: only the chunks that define the pixels are kept: IHDR, PLTE, IDAT, IEND, and tRNS, gAMA, cHRM, sRGB,
 * iCCP, sBIT, bKGD, pHYs; text (tEXt, iTXt, zTXt), eXIf, tIME, private and animation chunks, and anything after
 * IEND, go. A critical chunk whose CRC is wrong makes the image malformed; an ancillary one is dropped, as libpng
 * would ignore it.
 *
 * <p>Pure and total: for any input it returns the stripped bytes or throws {@link MalformedImage}; stripping its
 * own output returns the same bytes.
 */
public final class MetadataStripper {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final Set<String> PNG_KEPT = Set.of("IHDR", "PLTE", "IDAT", "IEND",
            "tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "bKGD", "pHYs");
    private static final byte[] JFIF = "JFIF\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ICC_PROFILE = "ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ADOBE = "Adobe".getBytes(StandardCharsets.US_ASCII);
    private static final int APP0 = 0xE0;
    private static final int APP2 = 0xE2;
    private static final int APP14 = 0xEE;
    private static final int COM = 0xFE;
    private static final int SOS = 0xDA;
    private static final int EOI = 0xD9;

    /** Why bytes could not be stripped: not a JPEG or PNG, truncated, or inconsistent. */
    public static final class MalformedImage extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedImage(String message) {
            super(message, null, false, false);
        }
    }

    private MetadataStripper() {
    }

    /**
     * @return the image without its metadata (a new array; the input is not modified)
     * @throws MalformedImage when the bytes are not a well-formed JPEG or PNG; the message says where it broke
     */
    public static byte[] strip(byte[] image) {
        if (image == null || image.length == 0) {
            throw new MalformedImage("no image bytes");
        }
        if (startsWith(image, 0, PNG_SIGNATURE)) {
            return png(image);
        }
        if (image.length >= 3 && (image[0] & 0xFF) == 0xFF && (image[1] & 0xFF) == 0xD8 && (image[2] & 0xFF) == 0xFF) {
            return jpeg(image);
        }
        throw new MalformedImage("not a JPEG or a PNG");
    }

    // ---- PNG -----------------------------------------------------------------------------------------------

    private static byte[] png(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        out.write(b, 0, PNG_SIGNATURE.length);
        int i = PNG_SIGNATURE.length;
        boolean first = true;
        while (true) {
            if (i + 12 > b.length) {
                throw new MalformedImage("the PNG is truncated (a chunk header at byte " + i + " runs past the end)");
            }
            long length = u32(b, i);
            if (length > b.length - i - 12L) {
                throw new MalformedImage("the PNG is truncated (the chunk at byte " + i + " declares "
                        + length + " bytes)");
            }
            String type = chunkType(b, i + 4);
            if (type == null) {
                throw new MalformedImage("the PNG has an invalid chunk type at byte " + (i + 4));
            }
            if (first && !"IHDR".equals(type)) {
                throw new MalformedImage("the PNG does not start with an IHDR chunk");
            }
            first = false;
            int total = 12 + (int) length;
            boolean critical = Character.isUpperCase(type.charAt(0));
            boolean crcOk = crc(b, i + 4, 4 + (int) length) == u32(b, i + 8 + (int) length);
            if (critical && !crcOk) {
                throw new MalformedImage("the PNG's " + type + " chunk at byte " + i + " fails its CRC");
            }
            if (crcOk && PNG_KEPT.contains(type)) {
                out.write(b, i, total);
            } else if (critical && !PNG_KEPT.contains(type)) {
                throw new MalformedImage("the PNG has an unknown critical chunk " + type);
            }
            i += total;
            if ("IEND".equals(type)) {
                return out.toByteArray();
            }
        }
    }

    /** Four ASCII letters, or null. */
    private static String chunkType(byte[] b, int at) {
        char[] letters = new char[4];
        for (int k = 0; k < 4; k++) {
            int c = b[at + k] & 0xFF;
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
                return null;
            }
            letters[k] = (char) c;
        }
        return new String(letters);
    }

    private static long crc(byte[] b, int from, int length) {
        CRC32 crc = new CRC32();
        crc.update(b, from, length);
        return crc.getValue();
    }

    // ---- JPEG ----------------------------------------------------------------------------------------------

    private static byte[] jpeg(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        out.write(0xFF);
        out.write(0xD8);
        int i = 2;
        boolean jfifKept = false;
        boolean scanSeen = false;
        while (true) {
            if (i >= b.length) {
                throw new MalformedImage("the JPEG is truncated (no end-of-image marker)");
            }
            if ((b[i] & 0xFF) != 0xFF) {
                throw new MalformedImage("the JPEG is corrupt (no marker at byte " + i + ")");
            }
            // fill bytes: any number of FF before a marker
            while (i < b.length && (b[i] & 0xFF) == 0xFF) {
                i++;
            }
            if (i >= b.length) {
                throw new MalformedImage("the JPEG is truncated (no end-of-image marker)");
            }
            int marker = b[i] & 0xFF;
            int markerAt = i - 1;
            i++;
            if (marker == EOI) {
                if (!scanSeen) {
                    throw new MalformedImage("the JPEG has no image data (no scan before its end)");
                }
                out.write(0xFF);
                out.write(EOI);
                return out.toByteArray();
            }
            if (marker == 0x00 || marker == 0xD8) {
                throw new MalformedImage("the JPEG is corrupt (unexpected marker at byte " + markerAt + ")");
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                out.write(0xFF);
                out.write(marker);
                continue;
            }
            if (i + 2 > b.length) {
                throw new MalformedImage("the JPEG is truncated (a segment at byte " + markerAt + " has no length)");
            }
            int length = ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
            if (length < 2 || i + length > b.length) {
                throw new MalformedImage("the JPEG is truncated (the segment at byte " + markerAt + " runs past the end)");
            }
            int payload = i + 2;
            int payloadLength = length - 2;
            int next = i + length;
            if (marker == APP0) {
                if (!jfifKept && payloadLength >= 14 && startsWith(b, payload, JFIF)) {
                    // identifier (5), version (2), units (1), densities (2 + 2), thumbnail size (0 x 0): no thumbnail
                    out.write(0xFF);
                    out.write(APP0);
                    out.write(0);
                    out.write(16);
                    out.write(b, payload, 12);
                    out.write(0);
                    out.write(0);
                    jfifKept = true;
                }
            } else if ((marker == APP2 && startsWith(b, payload, ICC_PROFILE) && payloadLength > ICC_PROFILE.length)
                    || (marker == APP14 && payloadLength == 12 && startsWith(b, payload, ADOBE))) {
                out.write(b, markerAt, 2 + length);
            } else if ((marker >= 0xE0 && marker <= 0xEF) || marker == COM) {
                // metadata: EXIF, XMP, IPTC, maker notes, comments ...: dropped
            } else {
                out.write(b, markerAt, 2 + length);
            }
            i = next;
            if (marker == SOS) {
                scanSeen = true;
                int end = entropyCodedEnd(b, i);
                out.write(b, i, end - i);
                i = end;
            }
        }
    }

    /**
     * Where the compressed data after a scan header ends: at the first marker that is neither a stuffed byte
     * (FF 00) nor a restart marker (FF D0 to FF D7).
     */
    private static int entropyCodedEnd(byte[] b, int from) {
        int j = from;
        while (j < b.length) {
            if ((b[j] & 0xFF) != 0xFF) {
                j++;
                continue;
            }
            if (j + 1 >= b.length) {
                break;
            }
            int n = b[j + 1] & 0xFF;
            if (n == 0x00 || (n >= 0xD0 && n <= 0xD7)) {
                j += 2;
                continue;
            }
            return j;
        }
        throw new MalformedImage("the JPEG is truncated (its image data has no end-of-image marker)");
    }

    // ---- bytes ---------------------------------------------------------------------------------------------

    private static long u32(byte[] b, int at) {
        return ((long) (b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at < 0 || b.length - at < prefix.length) {
            return false;
        }
        for (int k = 0; k < prefix.length; k++) {
            if (b[at + k] != prefix[k]) {
                return false;
            }
        }
        return true;
    }
}
