package org.mriclassifier.vision;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;

/**
 * Decode and preprocessing through OpenCV, on any bytes the header check lets through, exactly as the vision
 * worker runs them (header, metadata stripping, decode, the served model's preprocessing), in a child JVM
 * ({@link DecodeWorker}) so that a native crash is a finding, not the end of the test run. The promise: a valid
 * model input, or a refusal the worker turns into a 4xx; no other exception, no crash, no hang, bounded memory.
 *
 * <p>The header check also runs here, in the instrumented JVM, so that the fuzzer learns the shapes of PNG and
 * JPEG headers from coverage; OpenCV is native code and gives no coverage back.
 */
class DecodeFuzzTest {

    private static final DecodeChild OPENCV = new DecodeChild();

    @FuzzTest(maxDuration = "15s")
    void decodeGivesAModelInputOrAClearRefusal(byte[] bytes) throws Exception {
        try {
            ImageHeader.inspect(bytes, DecodeWorker.MAX_PIXELS, DecodeWorker.MAX_SIDE, DecodeWorker.MAX_DECODED_BYTES);
        } catch (ImageHeader.Rejected refused) {
            return; // never reaches OpenCV in the server either (ImageHeaderFuzzTest holds this promise)
        }
        String outcome = OPENCV.ask('P', bytes);
        assertTrue(outcome.equals("OK") || outcome.equals("MALFORMED") || outcome.equals("UNDECODABLE")
                || outcome.startsWith("OPENCV "), () -> "decode ended with " + outcome);
    }

    @AfterAll
    static void stop() {
        OPENCV.stop();
    }
}
