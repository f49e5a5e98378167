package org.mriclassifier.vision;

/**
 * Reads what an image says about itself before any decoder sees it: its format from the magic bytes (PNG
 * {@code 89 50 4E 47 0D 0A 1A 0A}, JPEG {@code FF D8 FF}), its dimensions from the PNG IHDR chunk or the JPEG
 * SOFn segment, and whether the file is complete (PNG ends with IEND, JPEG has an EOI marker). A decoder is
 * never asked to open a TIFF, BMP, HDR or JPEG 2000 file, a truncated file, or one that declares a pixel bomb.
 * The decoder's output is budgeted too: width x height x channels x bytes per sample, as the header declares them
 * (a small PNG can declare 16-bit RGBA, eight bytes a pixel), so no image costs more memory than the budget.
 */
public final class ImageHeader {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] PNG_IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    /** Why an image is refused, and the HTTP status that says so. */
    public static final class Rejected extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;

        Rejected(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /**
     * The format and declared dimensions of an acceptable image, the channels the decoder will produce and the
     * bytes per sample (1, or 2 for 16-bit PNGs and 12-bit JPEGs).
     */
    public record Facts(ImageFormat format, int width, int height, int channels, int bytesPerSample) {

        /** What the decoder allocates for the pixels. */
        public long decodedBytes() {
            return (long) width * height * channels * bytesPerSample;
        }
    }

    private ImageHeader() {
    }

    /**
     * @throws Rejected 415 for anything but JPEG or PNG, 422 for a truncated or malformed header or zero
     *                  dimensions, 413 for dimensions or decoded bytes over the limits
     */
    public static Facts inspect(byte[] bytes, long maxPixels, int maxSide, long maxDecodedBytes) {
        if (bytes.length == 0) {
            throw new Rejected(400, "the image is empty (0 bytes)");
        }
        Facts facts;
        if (startsWith(bytes, PNG_SIGNATURE)) {
            facts = png(bytes);
        } else if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8 && (bytes[2] & 0xFF) == 0xFF) {
            facts = jpeg(bytes);
        } else {
            throw new Rejected(415, "the image must be a JPEG or a PNG (judged by its bytes, not its name or Content-Type)");
        }
        if (facts.width() <= 0 || facts.height() <= 0) {
            throw new Rejected(422, "the image declares a size of " + facts.width() + "x" + facts.height());
        }
        if (facts.width() > maxSide || facts.height() > maxSide || (long) facts.width() * facts.height() > maxPixels) {
            throw new Rejected(413, "the image declares " + facts.width() + "x" + facts.height()
                    + " pixels; the limit is " + maxSide + " per side and " + maxPixels + " in all");
        }
        if (facts.decodedBytes() > maxDecodedBytes) {
            throw new Rejected(413, "the image declares " + facts.width() + "x" + facts.height() + " pixels of "
                    + facts.channels() + " channel(s) at " + 8 * facts.bytesPerSample() + " bits, " + facts.decodedBytes()
                    + " bytes once decoded; the limit is " + maxDecodedBytes + " decoded bytes");
        }
        return facts;
    }

    private static Facts png(byte[] b) {
        // signature (8), IHDR length (4) = 13, "IHDR" (4), width (4), height (4)
        if (b.length < 33 || !(b[12] == 'I' && b[13] == 'H' && b[14] == 'D' && b[15] == 'R')) {
            throw new Rejected(422, "the PNG has no valid IHDR header (truncated or corrupt)");
        }
        long width = u32(b, 16);
        long height = u32(b, 20);
        int bitDepth = b[24] & 0xFF;
        int colourType = b[25] & 0xFF;
        // grey, -, RGB, palette (expanded to BGR, or BGRA with tRNS), grey + alpha, -, RGBA
        int channels = switch (colourType) {
            case 0 -> 1;
            case 2 -> 3;
            case 3, 6 -> 4;
            case 4 -> 2;
            default -> throw new Rejected(422, "the PNG declares an invalid colour type " + colourType);
        };
        if (bitDepth != 1 && bitDepth != 2 && bitDepth != 4 && bitDepth != 8 && bitDepth != 16) {
            throw new Rejected(422, "the PNG declares an invalid bit depth " + bitDepth);
        }
        if (!endsWithIend(b)) {
            throw new Rejected(422, "the PNG is truncated (no IEND chunk at its end)");
        }
        return new Facts(ImageFormat.PNG, (int) Math.min(width, Integer.MAX_VALUE), (int) Math.min(height, Integer.MAX_VALUE),
                channels, bitDepth == 16 ? 2 : 1);
    }

    private static boolean endsWithIend(byte[] b) {
        // IEND is the last chunk; tolerate a little trailing padding some writers add
        int searchFrom = Math.max(8, b.length - 64);
        for (int i = b.length - PNG_IEND.length; i >= searchFrom; i--) {
            if (regionEquals(b, i, PNG_IEND)) {
                return true;
            }
        }
        return false;
    }

    private static Facts jpeg(byte[] b) {
        int i = 2;
        Facts facts = null;
        while (i + 4 <= b.length && facts == null) {
            if ((b[i] & 0xFF) != 0xFF) {
                throw new Rejected(422, "the JPEG is corrupt (no marker at byte " + i + ")");
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2;
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA) {
                throw new Rejected(422, "the JPEG has no frame header before its image data");
            }
            int length = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            if (length < 2 || i + 2 + length > b.length) {
                throw new Rejected(422, "the JPEG is truncated (a header segment runs past the end)");
            }
            if (isStartOfFrame(marker)) {
                if (length < 8) {
                    throw new Rejected(422, "the JPEG frame header is too short");
                }
                int precision = b[i + 4] & 0xFF;
                int height = ((b[i + 5] & 0xFF) << 8) | (b[i + 6] & 0xFF);
                int width = ((b[i + 7] & 0xFF) << 8) | (b[i + 8] & 0xFF);
                int components = b[i + 9] & 0xFF;
                if (components == 0 || components > 4) {
                    throw new Rejected(422, "the JPEG declares " + components + " colour components");
                }
                // grey stays grey; colour and CMYK come out as 3 or 4 channels
                facts = new Facts(ImageFormat.JPEG, width, height, components == 2 ? 3 : components, precision > 8 ? 2 : 1);
            }
            i += 2 + length;
        }
        if (facts == null) {
            throw new Rejected(422, "the JPEG is truncated (no frame header)");
        }
        if (!hasEndOfImage(b)) {
            throw new Rejected(422, "the JPEG is truncated (no end-of-image marker)");
        }
        return facts;
    }

    /** SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range. */
    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    /** An EOI marker in the last kilobyte: some writers append a little data after it, none omit it. */
    private static boolean hasEndOfImage(byte[] b) {
        int searchFrom = Math.max(2, b.length - 1024);
        for (int i = b.length - 2; i >= searchFrom; i--) {
            if ((b[i] & 0xFF) == 0xFF && (b[i + 1] & 0xFF) == 0xD9) {
                return true;
            }
        }
        return false;
    }

    private static long u32(byte[] b, int at) {
        return ((long) (b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        return b.length >= prefix.length && regionEquals(b, 0, prefix);
    }

    private static boolean regionEquals(byte[] b, int at, byte[] expected) {
        for (int k = 0; k < expected.length; k++) {
            if (b[at + k] != expected[k]) {
                return false;
            }
        }
        return true;
    }
}
