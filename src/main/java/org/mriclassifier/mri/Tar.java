package org.mriclassifier.mri;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/** POSIX ustar entries, written one at a time: nothing is kept between entries. */
final class Tar {

    private static final int BLOCK = 512;

    private Tar() {
    }

    /** A regular file's header block and its content, padded to whole blocks. Names are ASCII, under 100 bytes. */
    static Buffer entry(String name, byte[] content, long mtimeSeconds) {
        byte[] header = new byte[BLOCK];
        put(header, 0, 100, name.getBytes(StandardCharsets.US_ASCII));
        octal(header, 100, 8, 0644);
        octal(header, 108, 8, 0);
        octal(header, 116, 8, 0);
        octal(header, 124, 12, content.length);
        octal(header, 136, 12, Math.max(0, mtimeSeconds));
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';   // the checksum counts its own field as spaces
        }
        header[156] = '0';
        put(header, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(header, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        put(header, 265, 32, "mri".getBytes(StandardCharsets.US_ASCII));
        put(header, 297, 32, "mri".getBytes(StandardCharsets.US_ASCII));
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        byte[] checksum = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        put(header, 148, 8, checksum);
        int padding = (BLOCK - content.length % BLOCK) % BLOCK;
        return Buffer.buffer(BLOCK + content.length + padding).appendBytes(header).appendBytes(content)
                .appendBytes(new byte[padding]);
    }

    /** The end of the archive: two zero blocks. */
    static Buffer end() {
        return Buffer.buffer(new byte[2 * BLOCK]);
    }

    private static void put(byte[] header, int offset, int length, byte[] value) {
        if (value.length > length) {
            throw new IllegalArgumentException("tar field too long");
        }
        System.arraycopy(value, 0, header, offset, value.length);
    }

    private static void octal(byte[] header, int offset, int length, long value) {
        String digits = Long.toOctalString(value);
        String field = "0".repeat(Math.max(0, length - 1 - digits.length())) + digits;
        put(header, offset, length, (field + "\0").getBytes(StandardCharsets.US_ASCII));
    }
}
