package org.mriclassifier.vision;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;

/**
 * Decode and preprocessing through OpenCV on any bytes the header check lets through, in a child JVM
 * ({@link DecodeWorker}) so that a native crash is a finding, not the end of the test run. The promise: a
 * valid model input, or a refusal the vision worker turns into 4xx (header refusal, undecodable, OpenCV's
 * own error); no other exception, no crash, no answer slower than {@link #ANSWER_SECONDS}, and the child's
 * memory stays under {@link #MAX_RSS_KIB}.
 *
 * <p>The header check runs here too, in the instrumented JVM, so the fuzzer learns the shapes of PNG and JPEG
 * headers from coverage; OpenCV itself is native code and gives no coverage back.
 */
class DecodeFuzzTest {

    static final long ANSWER_SECONDS = 15;
    /** Well above what one image within the pixel limits needs (16 Mpx BGR = 48 MiB, plus the JVM). */
    static final long MAX_RSS_KIB = 1_536 * 1024;

    private static final ExecutorService READER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "decode-worker-reader");
        t.setDaemon(true);
        return t;
    });
    private static Process child;
    private static DataOutputStream toChild;
    private static DataInputStream fromChild;
    private static Path childErr;

    @FuzzTest(maxDuration = "15s")
    void decodeGivesAModelInputOrAClearRefusal(byte[] bytes) throws Exception {
        try {
            ImageHeader.inspect(bytes, 16_777_216L, 8192);
        } catch (ImageHeader.Rejected refused) {
            return; // the vision worker never hands such bytes to OpenCV (ImageHeaderFuzzTest holds that promise)
        }
        ensureChild();
        String outcome;
        long rssKib;
        try {
            toChild.writeInt(bytes.length);
            toChild.write(bytes);
            toChild.flush();
            Future<String> answer = READER.submit(() -> fromChild.readUTF());
            outcome = answer.get(ANSWER_SECONDS, TimeUnit.SECONDS);
            rssKib = READER.submit(() -> fromChild.readLong()).get(ANSWER_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException hang) {
            stopChild();
            fail("OpenCV decode + preprocessing took over " + ANSWER_SECONDS + " s on " + bytes.length + " bytes");
            return;
        } catch (IOException | java.util.concurrent.ExecutionException died) {
            String exit = waitForExit();
            fail("the decode child JVM died (native crash?) on " + bytes.length + " bytes: " + exit);
            return;
        }
        assertTrue(outcome.equals("OK") || outcome.startsWith("REFUSED ") || outcome.equals("UNDECODABLE")
                || outcome.startsWith("OPENCV "), () -> "decode ended with " + outcome);
        assertTrue(rssKib < MAX_RSS_KIB, () -> "the decode child grew to " + rssKib / 1024 + " MiB");
    }

    private static void ensureChild() throws IOException {
        if (child != null && child.isAlive()) {
            return;
        }
        childErr = Files.createTempFile("decode-worker", ".err");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"),
                DecodeWorker.class.getName(), "model/default"));
        child = new ProcessBuilder(command).redirectError(childErr.toFile()).start();
        toChild = new DataOutputStream(child.getOutputStream());
        fromChild = new DataInputStream(child.getInputStream());
    }

    private static String waitForExit() {
        try {
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            String err = Files.readString(childErr);
            String tail = err.length() > 2000 ? err.substring(err.length() - 2000) : err;
            return "exit " + (child.isAlive() ? "(killed)" : child.exitValue()) + ", stderr: " + tail;
        } catch (IOException | InterruptedException e) {
            return "exit unknown: " + e;
        } finally {
            child = null;
        }
    }

    private static void stopChild() {
        if (child != null) {
            child.destroyForcibly();
            child = null;
        }
    }

    @AfterAll
    static void stop() {
        stopChild();
    }
}
