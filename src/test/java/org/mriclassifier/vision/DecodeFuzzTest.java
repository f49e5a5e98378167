package org.mriclassifier.vision;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;

/**
 * Decode and preprocessing through OpenCV, on any bytes the header check lets through, exactly as the vision
 * worker runs them (header, metadata stripping, decode, the served model's preprocessing), in a child JVM
 * ({@link DecodeWorker}) so that a native crash is a finding, not the end of the test run. The promise: a valid
 * model input, or a refusal the worker turns into a 4xx; no other exception, no crash, no hang, bounded memory.
 *
 * <p>OpenCV is native code and gives the fuzzer no coverage back, and most mutated bytes fail the header check
 * (which is right: the server never decodes them). So an input that fails it is read as an edit script
 * instead: its first byte picks one of the valid seed images, each following three bytes overwrite one byte
 * of it (two bytes of offset, one of value), and a PNG's chunk CRCs are made right again, so that the damage
 * reaches the decoders rather than libpng's CRC check.
 */
class DecodeFuzzTest {

    private static final DecodeChild OPENCV = new DecodeChild();
    private static final List<byte[]> VALID_SEEDS = validSeeds();

    @FuzzTest(maxDuration = "15s")
    void decodeGivesAModelInputOrAClearRefusal(byte[] bytes) throws Exception {
        byte[] image = passesHeader(bytes) ? bytes : edited(bytes);
        if (image == null || !passesHeader(image)) {
            return; // never reaches OpenCV in the server either (ImageHeaderFuzzTest holds this promise)
        }
        String outcome = OPENCV.ask('P', image);
        assertTrue(outcome.equals("OK") || outcome.equals("MALFORMED") || outcome.equals("UNDECODABLE")
                || outcome.startsWith("OPENCV "), () -> "decode ended with " + outcome);
    }

    private static boolean passesHeader(byte[] bytes) {
        try {
            ImageHeader.inspect(bytes, DecodeWorker.MAX_PIXELS, DecodeWorker.MAX_SIDE, DecodeWorker.MAX_DECODED_BYTES);
            return true;
        } catch (ImageHeader.Rejected refused) {
            return false;
        }
    }

    /** A valid seed image with the edits the script describes, PNG CRCs recomputed. */
    static byte[] edited(byte[] script) {
        if (script.length == 0 || VALID_SEEDS.isEmpty()) {
            return null;
        }
        byte[] image = VALID_SEEDS.get((script[0] & 0xFF) % VALID_SEEDS.size()).clone();
        for (int k = 1; k + 2 < script.length; k += 3) {
            int at = (((script[k] & 0xFF) << 8) | (script[k + 1] & 0xFF)) % image.length;
            image[at] = script[k + 2];
        }
        if ((image[0] & 0xFF) == 0x89) {
            fixPngCrcs(image);
        }
        return image;
    }

    private static void fixPngCrcs(byte[] b) {
        int i = 8;
        while (i + 12 <= b.length) {
            long length = ByteBuffer.wrap(b, i, 4).getInt() & 0xFFFFFFFFL;
            if (length > b.length - i - 12L) {
                return;
            }
            CRC32 crc = new CRC32();
            crc.update(b, i + 4, 4 + (int) length);
            ByteBuffer.wrap(b, i + 8 + (int) length, 4).putInt((int) crc.getValue());
            i += 12 + (int) length;
        }
    }

    private static List<byte[]> validSeeds() {
        try {
            Path dir = Path.of(DecodeFuzzTest.class.getResource(
                    "DecodeFuzzTestInputs/decodeGivesAModelInputOrAClearRefusal").toURI());
            try (Stream<Path> files = Files.list(dir)) {
                return files.filter(p -> p.getFileName().toString().startsWith("seed-")).sorted()
                        .map(DecodeFuzzTest::read).filter(DecodeFuzzTest::passesHeader).toList();
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("the decode seeds are missing", e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        OPENCV.stop();
    }
}
