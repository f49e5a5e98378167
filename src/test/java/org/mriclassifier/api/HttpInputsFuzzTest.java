package org.mriclassifier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.mriclassifier.testing.Promise;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

/**
 * The parsers that only HTTP reaches, fuzzed through the real server (real PostgreSQL, the real model) in this
 * JVM: the multipart upload form (Netty's decoder, UploadReader, UploadForm), the JSON upload, the query
 * parameters of {@code GET /MRI} and {@code GET /users} (contract validation, cursor, date-times, limits), the
 * Authorization header (BearerFormat, TokenAuth) and If-Match on a real row. The promise for every request:
 * a success the route defines, or a problem+json 4xx whose detail says what was wrong and leaks nothing;
 * never a 5xx, never a hang.
 *
 * <p>Input layout: the first byte picks the request, the rest is its payload (see {@link Kind}); the seeds in
 * {@code HttpInputsFuzzTestInputs/} (written by {@code FuzzSeeds}) are real requests of each kind.
 */
class HttpInputsFuzzTest {

    /** What an input's first byte chooses (modulo the number of kinds); the payload is the remaining bytes. */
    enum Kind { MULTIPART_UPLOAD, JSON_UPLOAD, MRI_QUERY, USERS_QUERY, AUTHORIZATION, IF_MATCH }

    static final String BOUNDARY = "fuzzboundary";
    static final int MAX_IMAGE_BYTES = 256 * 1024;
    static final long ANSWER_SECONDS = 30;

    static Vertx vertx;
    static TestServer server;
    static String doctor;
    static String rowId;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        JsonObject limits = new JsonObject().put("vision", new JsonObject().put("max_image_bytes", MAX_IMAGE_BYTES))
                .put("mri", new JsonObject().put("max_classifications_in_flight", 64));
        server = await(TestServer.startWith(vertx, limits));
        String admin = await(server.adminToken());
        await(server.createUser(admin, "fuzz-doc", "hq", "doctor"));
        doctor = await(server.tokenOf("fuzz-doc"));
        rowId = await(server.uploaded(doctor, TestImages.png(18), "hq")).getString("id");
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            await(server.stop());
        }
        if (vertx != null) {
            await(vertx.close());
        }
    }

    @FuzzTest(maxDuration = "30s")
    void everyRequestIsAnsweredOrClearlyRefused(byte[] input) throws Exception {
        allowLoopbackConnections();
        if (input.length == 0) {
            return;
        }
        Kind kind = Kind.values()[(input[0] & 0xFF) % Kind.values().length];
        byte[] payload = Arrays.copyOfRange(input, 1, input.length);
        String text = new String(payload, StandardCharsets.ISO_8859_1);
        switch (kind) {
            case MULTIPART_UPLOAD -> expect(send(server.request(HttpMethod.POST, "/MRI", doctor)
                    .putHeader("Content-Type", "multipart/form-data; boundary=" + BOUNDARY), payload), text,
                    Set.of(201, 400, 409, 413, 415, 422));
            case JSON_UPLOAD -> expect(send(server.request(HttpMethod.POST, "/MRI", doctor)
                    .putHeader("Content-Type", "application/json"), payload), new String(payload, StandardCharsets.UTF_8),
                    Set.of(201, 400, 409, 413, 415, 422));
            case MRI_QUERY -> expect(send(server.request(HttpMethod.GET, "/MRI?" + query(payload), doctor), null),
                    text, Set.of(200, 400));
            case USERS_QUERY -> expect(send(server.request(HttpMethod.GET, "/users?" + query(payload), doctor), null),
                    text, Set.of(200, 400));
            case AUTHORIZATION -> {
                String header = headerValue(payload);
                expect(send(server.request(HttpMethod.GET, "/MRI", null).putHeader("Authorization", header), null),
                        header, Set.of(401));
                expect(send(server.request(HttpMethod.POST, "/MRI", null).putHeader("Authorization", header)
                        .putHeader("Content-Type", "application/json"), "{}".getBytes(StandardCharsets.US_ASCII)),
                        header, Set.of(401));
            }
            case IF_MATCH -> {
                String header = headerValue(payload);
                expect(send(server.request(HttpMethod.PATCH, "/MRI/" + rowId, doctor).putHeader("If-Match", header)
                        .putHeader("Content-Type", "application/json"), "{\"class\":\"tumor\"}".getBytes(StandardCharsets.US_ASCII)),
                        header, Set.of(200, 412));
                expect(send(server.request(HttpMethod.PATCH, "/users/fuzz-doc", doctor).putHeader("If-Match", header)
                        .putHeader("Content-Type", "application/json"), "{\"user_hospital\":\"hq\"}".getBytes(StandardCharsets.US_ASCII)),
                        header, Set.of(200, 403, 412));
            }
        }
    }

    private static HttpResponse<Buffer> send(HttpRequest<Buffer> request, byte[] body) throws Exception {
        Future<HttpResponse<Buffer>> response = body == null ? request.send() : request.sendBuffer(Buffer.buffer(body));
        return response.toCompletionStage().toCompletableFuture().get(ANSWER_SECONDS, TimeUnit.SECONDS);
    }

    /** The answer is one the route defines; a refusal is a problem+json that says what was wrong. */
    private static void expect(HttpResponse<Buffer> response, String input, Set<Integer> allowed) {
        int status = response.statusCode();
        String body = response.bodyAsString();
        assertTrue(status < 500, () -> "a server error for client input: " + status + " " + body);
        assertTrue(allowed.contains(status), () -> "answered " + status + " (expected one of " + allowed + "): " + body);
        if (status >= 400) {
            String type = response.getHeader("Content-Type");
            assertTrue(type != null && type.startsWith("application/problem+json"), () -> "a refusal as " + type + ": " + body);
            JsonObject problem = response.bodyAsJsonObject();
            assertEquals(status, problem.getInteger("status"), "the problem's status is the response's");
            assertNotNull(problem.getString("detail"), "a refusal says what was wrong");
            Promise.clearMessage(problem.getString("detail"), input);
        }
    }

    /** Bytes as a query string: {@code & = + %} stay as sent (the parser's business), the rest is escaped. */
    static String query(byte[] payload) {
        StringBuilder q = new StringBuilder();
        for (byte b : payload) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "&=+%-._~:,".indexOf(c) >= 0) {
                q.append((char) c);
            } else {
                q.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return q.toString();
    }

    /** Bytes as a header value HTTP can carry: control characters (CR, LF, NUL...) become '?'. */
    static String headerValue(byte[] payload) {
        StringBuilder v = new StringBuilder();
        for (byte b : payload) {
            int c = b & 0xFF;
            v.append(c < 0x20 && c != '\t' || c == 0x7F ? '?' : (char) c);
        }
        return v.toString().strip();
    }

    private static boolean connectionsAllowed;

    /** The server under test talks to its database and to its own port: that is no SSRF finding. */
    private static void allowLoopbackConnections() {
        if (!connectionsAllowed) {
            connectionsAllowed = true;
            try {
                com.code_intelligence.jazzer.api.BugDetectors.allowNetworkConnections();
            } catch (IllegalStateException notUnderJazzersAgent) {
                // regression runs without the sanitizers' hooks: nothing to allow
            }
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }
}
