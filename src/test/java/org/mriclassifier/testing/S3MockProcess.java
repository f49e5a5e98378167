package org.mriclassifier.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real S3 API server (Adobe's S3Mock, its executable jar from Maven Central, see pom.xml) as a child process: a
 * Spring Boot application, kept off the test classpath so that its dependencies meet none of ours. Files under a
 * fresh directory; one bucket made at start.
 */
public final class S3MockProcess implements AutoCloseable {

    public final String endpoint;
    public final String bucket;
    private final Process process;
    private final Path log;

    private S3MockProcess(String endpoint, String bucket, Process process, Path log) {
        this.endpoint = endpoint;
        this.bucket = bucket;
        this.process = process;
        this.log = log;
    }

    public static S3MockProcess start(String bucket) {
        String jar = System.getProperty("s3mock.jar", "target/openapi-generator/s3mock-exec.jar");
        int http = TestServer.freePort();
        int https = TestServer.freePort();
        try {
            Path root = Files.createTempDirectory("mri-s3mock");
            Path log = Files.createTempFile("mri-s3mock", ".log");
            ProcessBuilder builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-jar", jar, "--http.port=" + http, "--server.port=" + https))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("COM_ADOBE_TESTING_S3MOCK_STORE_INITIAL_BUCKETS", bucket);
            builder.environment().put("COM_ADOBE_TESTING_S3MOCK_STORE_ROOT", root.toString());
            S3MockProcess s3 = new S3MockProcess("http://127.0.0.1:" + http, bucket, builder.start(), log);
            s3.awaitUp(Duration.ofMinutes(3));
            return s3;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitUp(Duration within) {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Mock exited: " + tail());
            }
            try {
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(endpoint + "/" + bucket + "?list-type=2"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new IllegalStateException("S3Mock did not start: " + tail());
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
