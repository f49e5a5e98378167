package org.mriclassifier.vision;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The fuzz targets' end of {@link DecodeWorker}: one child JVM, started on first use and again after it died.
 * A death (a native crash in OpenCV), an answer later than {@link #ANSWER_SECONDS}, or a child grown over
 * {@link #MAX_RSS_KIB} fails the current input, which Jazzer then keeps as a finding.
 */
final class DecodeChild {

    static final long ANSWER_SECONDS = 15;
    static final long STARTUP_SECONDS = 180;
    /** Well above what one image within the budgets needs (64 MiB decoded, a few copies, the JVM). */
    static final long MAX_RSS_KIB = 1_536 * 1024;

    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "decode-worker-reader");
        t.setDaemon(true);
        return t;
    });
    private Process child;
    private DataOutputStream toChild;
    private DataInputStream fromChild;
    private Path childErr;

    /** Sends one request (mode byte and images) and returns the child's answer line. */
    String ask(char mode, byte[]... images) throws IOException, InterruptedException {
        ensureStarted();
        long total = 0;
        try {
            toChild.writeByte(mode);
            for (byte[] image : images) {
                toChild.writeInt(image.length);
                toChild.write(image);
                total += image.length;
            }
            toChild.flush();
            String outcome = reader.submit(() -> fromChild.readUTF()).get(ANSWER_SECONDS, TimeUnit.SECONDS);
            long rssKib = reader.submit(() -> fromChild.readLong()).get(ANSWER_SECONDS, TimeUnit.SECONDS);
            assertTrue(rssKib < MAX_RSS_KIB, () -> "the OpenCV child grew to " + rssKib / 1024 + " MiB");
            return outcome;
        } catch (TimeoutException hang) {
            stop();
            fail("OpenCV took over " + ANSWER_SECONDS + " s on " + total + " bytes");
        } catch (IOException | ExecutionException died) {
            fail("the OpenCV child JVM died (a native crash?) on " + total + " bytes: " + exitReport());
        }
        throw new AssertionError("unreachable");
    }

    private void ensureStarted() throws IOException {
        if (child != null && child.isAlive()) {
            return;
        }
        childErr = Files.createTempFile("decode-worker", ".err");
        childErr.toFile().deleteOnExit();
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), DecodeWorker.class.getName(), "model/default");
        child = new ProcessBuilder(command).redirectError(childErr.toFile()).start();
        toChild = new DataOutputStream(child.getOutputStream());
        fromChild = new DataInputStream(child.getInputStream());
        // a JVM start and OpenCV's native load take seconds on a busy machine: not part of any input's time
        try {
            String ready = reader.submit(() -> fromChild.readUTF()).get(STARTUP_SECONDS, TimeUnit.SECONDS);
            if (!"READY".equals(ready)) {
                throw new IllegalStateException("the OpenCV child said " + ready);
            }
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            String report = exitReport();
            throw new IllegalStateException("the OpenCV child did not start: " + report, e);
        }
    }

    private String exitReport() {
        try {
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
            String err = Files.readString(childErr);
            String tail = err.length() > 2000 ? err.substring(err.length() - 2000) : err;
            return "exit " + (child.isAlive() ? "(killed)" : String.valueOf(child.exitValue())) + ", stderr: " + tail;
        } catch (IOException | InterruptedException e) {
            return "exit unknown: " + e;
        } finally {
            child = null;
        }
    }

    void stop() {
        if (child != null) {
            child.destroyForcibly();
            child = null;
        }
    }
}
