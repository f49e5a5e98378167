package org.mriclassifier.mri;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;
import picocli.CommandLine;

@DisplayName("GET /MRI/export and the export command stream the rows the caller may read, in constant memory")
class MriExportTest {

    static Vertx vertx;
    static TestServer server;
    static String admin;
    static String doctor;
    static List<JsonObject> hospitalA = new ArrayList<>();
    static JsonObject hospitalB;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        server = TestServer.start(vertx).await();
        admin = server.adminToken().await();
        server.createUser(admin, "exporter", "Exp A", "doctor").await();
        doctor = server.tokenOf("exporter").await();
        hospitalA.add(server.uploaded(admin, TestImages.png(29000), "Exp A").await());
        hospitalA.add(server.uploaded(admin, TestImages.jpeg(29001), "Exp A").await());
        hospitalB = server.uploaded(admin, TestImages.png(29002), "Exp B").await();
        // newest first, as the export orders them
        hospitalA.sort((x, y) -> y.getString("created_at").compareTo(x.getString("created_at")));
    }

    @AfterAll
    static void stop() {
        server.stop().await();
        vertx.close().await();
    }

    @Test
    @DisplayName("NDJSON lines are the rows as GET /MRI/{id} answers them, newest first; CSV has a header and the same values; filters apply")
    void ndjsonAndCsv() {
        HttpResponse<Buffer> ndjson = get("/MRI/export?hospital=Exp%20A", admin);
        assertEquals(200, ndjson.statusCode(), ndjson.bodyAsString());
        assertEquals("application/x-ndjson", ndjson.getHeader("Content-Type"));
        assertEquals("attachment; filename=\"mri-export.ndjson\"", ndjson.getHeader("Content-Disposition"));
        List<JsonObject> lines = Arrays.stream(ndjson.bodyAsString().split("\n")).map(JsonObject::new).toList();
        List<JsonObject> expected = hospitalA.stream().map(row -> get("/MRI/" + row.getString("id"), admin).bodyAsJsonObject()).toList();
        assertEquals(expected, lines);

        HttpResponse<Buffer> csv = get("/MRI/export?hospital=Exp%20A&format=csv", admin);
        assertEquals(200, csv.statusCode());
        assertEquals("text/csv; charset=utf-8", csv.getHeader("Content-Type"));
        String[] csvLines = csv.bodyAsString().split("\r\n");
        assertEquals(String.join(",", MriExport.CSV_COLUMNS), csvLines[0]);
        assertEquals(3, csvLines.length);
        for (int i = 0; i < expected.size(); i++) {
            String[] fields = csvLines[i + 1].split(",", -1);
            assertEquals(expected.get(i).getString("id"), fields[0]);
            assertEquals("Exp A", fields[2]);
            assertEquals(expected.get(i).getString("prediction"), fields[4]);
            assertEquals(expected.get(i).getString("image_sha256"), fields[9]);
        }

        // a filter that matches one of the two, and one that matches none
        String prediction = expected.get(0).getString("prediction");
        long same = expected.stream().filter(row -> row.getString("prediction").equals(prediction)).count();
        assertEquals(same, lines(get("/MRI/export?hospital=Exp%20A&prediction=" + prediction, admin)));
        assertEquals(0, lines(get("/MRI/export?hospital=Exp%20A&class=tumor", admin)));
        assertEquals(1, lines(get("/MRI/export?hospital=Exp%20B&class=none&from=2020-01-01T00:00:00Z", admin)));

        HttpResponse<Buffer> bad = get("/MRI/export?format=xml", admin);
        assertEquals(400, bad.statusCode());
        assertEquals("application/problem+json", bad.getHeader("Content-Type"));
    }

    @Test
    @DisplayName("a doctor exports their own hospital's rows only, whatever they ask; without a token, 401; each export is audited as a read")
    void accessControlAndAudit() {
        List<String> ids = Arrays.stream(get("/MRI/export", doctor).bodyAsString().split("\n"))
                .filter(line -> !line.isEmpty()).map(line -> new JsonObject(line).getString("id")).sorted().toList();
        assertEquals(hospitalA.stream().map(row -> row.getString("id")).sorted().toList(), ids);
        assertEquals(0, lines(get("/MRI/export?hospital=Exp%20B", doctor)));
        assertEquals(1, lines(get("/MRI/export?hospital=Exp%20B", admin)));
        assertEquals(401, server.client.get("/MRI/export").send().await().statusCode());

        long audited = SharedPostgres.queryUntil(vertx, server.dbUri, c -> {
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT count(*) FROM audit_log WHERE action = 'mri.export' AND actor_name = 'exporter'")) {
                rs.next();
                return rs.getLong(1);
            }
        }, n -> n >= 2).await();
        assertTrue(audited >= 2, "exports audited: " + audited);
    }

    @Test
    @DisplayName("images=true is a tar of the stored images (byte for byte) and a manifest of their rows")
    void imagesAsTar() {
        HttpResponse<Buffer> tar = get("/MRI/export?hospital=Exp%20A&images=true", admin);
        assertEquals(200, tar.statusCode(), tar.bodyAsString());
        assertEquals("application/x-tar", tar.getHeader("Content-Type"));
        Map<String, byte[]> entries = untar(tar.body().getBytes());
        assertEquals(3, entries.size(), entries.keySet().toString());
        for (JsonObject row : hospitalA) {
            String extension = row.getString("content_type").equals("image/png") ? "png" : "jpg";
            byte[] image = get("/MRI/" + row.getString("id") + "/image", admin).body().getBytes();
            assertArrayEquals(image, entries.get("images/" + row.getString("id") + "." + extension));
        }
        List<String> manifest = Arrays.stream(new String(entries.get("manifest/part-000001.ndjson"), StandardCharsets.UTF_8)
                .split("\n")).map(line -> new JsonObject(line).getString("id")).toList();
        assertEquals(hospitalA.stream().map(row -> row.getString("id")).toList(), manifest);

        HttpResponse<Buffer> csvTar = get("/MRI/export?hospital=Exp%20A&images=true&format=csv", admin);
        String csvManifest = new String(untar(csvTar.body().getBytes()).get("manifest/part-000001.csv"), StandardCharsets.UTF_8);
        assertEquals(3, csvManifest.split("\r\n").length);
    }

    @Test
    @DisplayName("50 000 rows stream with backpressure: while the client reads nothing, the server's cursor waits (its transaction stays open); a third concurrent export is refused with 429; then every row arrives")
    void largeExportStreams() throws Exception {
        sql("""
                INSERT INTO mri (id, gender, hospital, label, prediction, probability, model_version, image_sha256,
                                 content_type, size_bytes, width, height, created_by_name, created_at)
                SELECT gen_random_uuid(), 'female', 'Exp Bulk', NULL, 'healthy', 0.25, 'bulk-model',
                       encode(sha256(('export' || i)::bytea), 'hex'), 'image/png', 100, 10, 10, 'restore',
                       now() - i * interval '1 second'
                FROM generate_series(1, 50000) AS i""");
        HttpClient http = vertx.createHttpClient();
        AtomicLong bytes = new AtomicLong();
        AtomicLong newlines = new AtomicLong();
        AtomicLong firstByteNanos = new AtomicLong();
        AtomicBoolean pausedOnce = new AtomicBoolean();
        CountDownLatch paused = new CountDownLatch(1);
        Promise<Void> ended = Promise.promise();
        Context[] context = new Context[1];
        long started = System.nanoTime();
        HttpClientRequest request = http.request(HttpMethod.GET, server.port, "127.0.0.1", "/MRI/export?hospital=Exp%20Bulk").await();
        request.putHeader("Authorization", "Bearer " + admin);
        HttpClientResponse response = request.send().map(r -> {
            context[0] = Vertx.currentContext();
            r.handler(chunk -> {
                firstByteNanos.compareAndSet(0, System.nanoTime() - started);
                bytes.addAndGet(chunk.length());
                for (int i = 0; i < chunk.length(); i++) {
                    if (chunk.getByte(i) == '\n') {
                        newlines.incrementAndGet();
                    }
                }
                if (bytes.get() > (1 << 20) && pausedOnce.compareAndSet(false, true)) {
                    r.pause();
                    paused.countDown();
                }
            });
            r.endHandler(v -> ended.complete());
            r.exceptionHandler(ended::tryFail);
            return r;
        }).await();
        assertEquals(200, response.statusCode());
        assertTrue(paused.await(30, TimeUnit.SECONDS));
        Thread.sleep(2000);
        long receivedWhilePaused = bytes.get();
        long openExports = scalar("SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' "
                + "AND query LIKE '%FROM mri m WHERE%'");
        assertEquals(1, openExports, "the export's cursor is waiting for the client, not read to the end");

        // a second export that its client does not read either holds the server's second slot (of 2 by default)
        HttpClient second = vertx.createHttpClient();
        HttpClientRequest secondRequest = second.request(HttpMethod.GET, server.port, "127.0.0.1", "/MRI/export?hospital=Exp%20Bulk").await();
        secondRequest.putHeader("Authorization", "Bearer " + admin);
        Promise<Void> secondEnded = Promise.promise();
        Context[] secondContext = new Context[1];
        HttpClientResponse secondResponse = secondRequest.send().map(r -> {
            secondContext[0] = Vertx.currentContext();
            r.pause();
            r.handler(chunk -> { });
            r.endHandler(v -> secondEnded.complete());
            r.exceptionHandler(secondEnded::tryFail);
            return r;
        }).await();
        assertEquals(200, secondResponse.statusCode());
        // a third is refused at once, with Retry-After and a problem that says why
        HttpClient third = vertx.createHttpClient();
        HttpClientResponse[] refused = new HttpClientResponse[1];
        JsonObject problem = third.request(HttpMethod.GET, server.port, "127.0.0.1", "/MRI/export?hospital=Exp%20A")
                .compose(r -> r.putHeader("Authorization", "Bearer " + admin).send())
                .compose(r -> {
                    refused[0] = r;
                    return r.body();
                }).await().toJsonObject();
        assertEquals(429, refused[0].statusCode(), problem.encode());
        assertEquals("application/problem+json", refused[0].getHeader("Content-Type"));
        assertTrue(Long.parseLong(refused[0].getHeader("Retry-After")) > 0);
        assertTrue(problem.getString("detail").contains("at most 2"), problem.encode());

        context[0].runOnContext(v -> response.resume());
        secondContext[0].runOnContext(v -> secondResponse.resume());
        ended.future().await();
        secondEnded.future().await();
        second.close().await();
        // both slots are free again
        int[] againStatus = new int[1];
        String againBody = third.request(HttpMethod.GET, server.port, "127.0.0.1", "/MRI/export?hospital=Exp%20A")
                .compose(r -> r.putHeader("Authorization", "Bearer " + admin).send())
                .compose(r -> {
                    againStatus[0] = r.statusCode();
                    return r.body();
                }).await().toString();
        assertEquals(200, againStatus[0], againBody);
        assertEquals(2, againBody.lines().count(), "hospital Exp A's two rows");
        third.close().await();
        http.close().await();
        assertEquals(50_000, newlines.get());
        assertTrue(receivedWhilePaused < bytes.get() / 4, receivedWhilePaused + " of " + bytes.get() + " bytes before resuming");
        assertTrue(firstByteNanos.get() < TimeUnit.SECONDS.toNanos(10), "first bytes after " + firstByteNanos.get() / 1e6 + " ms");
        assertEquals(0, scalar("SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' "
                + "AND query LIKE '%FROM mri m WHERE%'"));
    }

    @Test
    @DisplayName("the export command writes the same rows to a file, offline, and audits it")
    void exportCommand() throws Exception {
        Path out = TestServer.tempDir().resolve("a.csv");
        Map<String, String> env = Map.of("MRI_DB_URL", server.dbUri, "MRI_DATA_DIR", TestServer.tempDir().toString());
        assertEquals(0, new CommandLine(new ExportCommand(env)).execute("--out", out.toString(), "--format", "csv",
                "--hospital", "Exp A"));
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size());
        assertEquals(String.join(",", MriExport.CSV_COLUMNS), lines.get(0));
        assertEquals(hospitalA.stream().map(row -> row.getString("id")).toList(),
                lines.subList(1, 3).stream().map(line -> line.split(",")[0]).toList());
        assertEquals(1, scalar("SELECT count(*) FROM audit_log WHERE action = 'mri.export' AND actor_name = 'system:export' "
                + "AND details->>'rows' = '2'"));

        Path tar = TestServer.tempDir().resolve("a.tar");
        assertEquals(0, new CommandLine(new ExportCommand(env)).execute("--out", tar.toString(), "--images", "--hospital", "Exp B"));
        Map<String, byte[]> entries = untar(Files.readAllBytes(tar));
        assertTrue(entries.containsKey("images/" + hospitalB.getString("id") + ".png"), entries.keySet().toString());
        assertEquals(2, new CommandLine(new ExportCommand(env)).execute("--out", tar.toString(), "--format", "xml"));
    }

    private static HttpResponse<Buffer> get(String uri, String token) {
        return server.client.get(uri).bearerTokenAuthentication(token).send().await();
    }

    private static long lines(HttpResponse<Buffer> response) {
        assertEquals(200, response.statusCode(), response.bodyAsString());
        String body = response.bodyAsString();
        return body == null ? 0 : body.chars().filter(c -> c == '\n').count();
    }

    /** name → content of each regular file in a ustar stream; checks each header's checksum. */
    static Map<String, byte[]> untar(byte[] tar) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        int at = 0;
        while (at + 512 <= tar.length) {
            byte[] header = Arrays.copyOfRange(tar, at, at + 512);
            if (Arrays.equals(header, new byte[512])) {
                return entries;
            }
            long sum = 0;
            for (int i = 0; i < 512; i++) {
                sum += i >= 148 && i < 156 ? ' ' : header[i] & 0xff;
            }
            assertEquals(sum, Long.parseLong(field(header, 148, 8), 8), "header checksum");
            String name = field(header, 0, 100);
            int size = Integer.parseInt(field(header, 124, 12), 8);
            entries.put(name, Arrays.copyOfRange(tar, at + 512, at + 512 + size));
            at += 512 + (size + 511) / 512 * 512;
        }
        throw new AssertionError("the tar has no end blocks");
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII).trim();
    }

    private static long scalar(String query) {
        return SharedPostgres.query(server.dbUri, c -> {
            try (ResultSet rs = c.createStatement().executeQuery(query)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static void sql(String statement) {
        SharedPostgres.query(server.dbUri, c -> {
            c.createStatement().execute(statement);
            return null;
        });
    }
}
