package org.mriclassifier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.mriclassifier.testing.Promise;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

/**
 * Findings 6 and 7 of docs/FUZZING.md, through the real server over real HTTP: a multipart part header that Netty's
 * decoder fails on with an exception of its own ({@code ArrayIndexOutOfBoundsException} for a Content-Disposition
 * parameter without {@code =}) used to leave the request unended (408 after the 5 s grace) or the connection closed
 * with no answer. The promise: a prompt 400 problem+json that says the body is malformed, the whole answer readable
 * by the client, and the server (and a kept-alive connection) fine for the next request.
 */
@DisplayName("A damaged multipart part header gets a prompt 400, never a 408 or a closed connection")
class MultipartHeaderFindingsTest {

    static final String INPUTS = "src/test/resources/org/mriclassifier/api/HttpInputsFuzzTestInputs/everyRequestIsAnsweredOrClearlyRefused/";
    static final String BOUNDARY = HttpInputsFuzzTest.BOUNDARY;
    /** Well under the upload rate check's 5 s grace, which was what answered finding 6. */
    static final long PROMPT_MS = 2_000;

    static Vertx vertx;
    static TestServer server;
    static String doctor;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        server = await(TestServer.startWith(vertx, new JsonObject()
                .put("vision", new JsonObject().put("max_image_bytes", 256 * 1024))));
        String admin = await(server.adminToken());
        await(server.createUser(admin, "header-doc", "hq", "doctor"));
        doctor = await(server.tokenOf("header-doc"));
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

    /** A committed fuzz input's payload: the multipart body, without the byte that picks the request kind. */
    static byte[] body(String input) throws Exception {
        byte[] bytes = Files.readAllBytes(Path.of(INPUTS, input));
        assertEquals(0, bytes[0] % HttpInputsFuzzTest.Kind.values().length, "a multipart upload input");
        return Arrays.copyOfRange(bytes, 1, bytes.length);
    }

    static String part(String disposition, String content) {
        return "--" + BOUNDARY + "\r\nContent-Disposition: " + disposition + "\r\n\r\n" + content + "\r\n";
    }

    static HttpResponse<Buffer> post(byte[] body) throws Exception {
        return await(server.request(HttpMethod.POST, "/MRI", doctor)
                .putHeader("Content-Type", "multipart/form-data; boundary=" + BOUNDARY).sendBuffer(Buffer.buffer(body)));
    }

    /** Sent several times over the web client's kept-alive connections (finding 7 showed only on a reused one). */
    static void promptlyMalformed(byte[] body) throws Exception {
        for (int i = 0; i < 4; i++) {
            long start = System.nanoTime();
            HttpResponse<Buffer> response = post(body);
            long ms = (System.nanoTime() - start) / 1_000_000;
            String text = response.bodyAsString();
            assertEquals(400, response.statusCode(), text);
            assertEquals("application/problem+json", response.getHeader("Content-Type"), text);
            JsonObject problem = response.bodyAsJsonObject();
            assertEquals(400, problem.getInteger("status"), text);
            assertTrue(problem.getString("detail").contains("multipart body is malformed"), text);
            Promise.clearMessage(problem.getString("detail"), new String(body, StandardCharsets.ISO_8859_1));
            assertTrue(ms < PROMPT_MS, "answered after " + ms + " ms: " + text);
            // the same client, probably the same connection: the next request is served as usual
            assertEquals(200, await(server.client.get("/health/ready").send()).statusCode());
        }
    }

    @Test
    @DisplayName("finding 6: a complete 1.6 KB body whose file part header is damaged gets 400 at once, not 408 after 5 s")
    void damagedFilePartHeader() throws Exception {
        promptlyMalformed(body("finding-6-multipart-part-header-stalls-until-408"));
    }

    @Test
    @DisplayName("finding 7: a form with a path field and a Content-Disposition parameter without '=' gets its 400, not a closed connection")
    void parameterWithoutEquals() throws Exception {
        promptlyMalformed(body("finding-7-multipart-disposition-parameter-without-equals"));
    }

    @Test
    @DisplayName("the same damage in the file part's header, with 290 KB still to come: the whole 400 arrives before the connection closes")
    void damagedHeaderBeforeALargeRest() throws Exception {
        byte[] rest = new byte[290_000];
        Arrays.fill(rest, (byte) 'x');
        byte[] head = (part("form-data; name=\"gender\"", "female")
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename\r\nContent-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] tail = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.ISO_8859_1);
        long length = head.length + rest.length + tail.length;
        try (Socket socket = new Socket("127.0.0.1", server.port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /MRI HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + doctor
                    + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY
                    + "\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(head);
            out.flush();
            long start = System.nanoTime();
            // the answer comes before the rest is sent: the header was enough to know
            String answer = readAnswer(socket.getInputStream());
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
            assertTrue(answer.contains("application/problem+json"), answer);
            assertTrue(answer.contains("multipart body is malformed"), answer);
            assertTrue(answer.toLowerCase().contains("connection: close"), "a large rest is not read: " + answer);
            assertTrue(ms < PROMPT_MS, "answered after " + ms + " ms");
        }
        assertEquals(200, await(server.client.get("/health/ready").send()).statusCode());
    }

    @Test
    @DisplayName("refusals of bodies that are not read (no token, not an upload type, over the limit, damaged early) reach a client still sending them")
    void refusalsOfUnreadBodiesReachTheClient() throws Exception {
        byte[] large = new byte[5 << 20];
        Arrays.fill(large, (byte) 'x');
        byte[] damaged = new byte[300_000];
        Arrays.fill(damaged, (byte) 'x');
        byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(head, 0, damaged, 0, head.length);
        String multipart = "multipart/form-data; boundary=" + BOUNDARY;
        for (int i = 0; i < 3; i++) {
            expectRefusal(server.request(HttpMethod.POST, "/MRI", null).putHeader("Content-Type", multipart), large, 401);
            expectRefusal(server.request(HttpMethod.POST, "/MRI", doctor).putHeader("Content-Type", "image/png"), large, 415);
            expectRefusal(server.request(HttpMethod.POST, "/MRI", doctor).putHeader("Content-Type", multipart), large, 413);
            expectRefusal(server.request(HttpMethod.POST, "/MRI", doctor).putHeader("Content-Type", multipart), damaged, 400);
        }
        assertEquals(200, await(server.client.get("/health/ready").send()).statusCode());
    }

    static void expectRefusal(io.vertx.ext.web.client.HttpRequest<Buffer> request, byte[] body, int status) throws Exception {
        HttpResponse<Buffer> response = await(request.sendBuffer(Buffer.buffer(body)));
        assertEquals(status, response.statusCode(), response.bodyAsString());
        assertEquals("application/problem+json", response.getHeader("Content-Type"), response.bodyAsString());
        assertEquals(status, response.bodyAsJsonObject().getInteger("status"));
    }

    @Test
    @DisplayName("a good upload still works after the damaged ones")
    void goodUploadStillWorks() throws Exception {
        HttpResponse<Buffer> response = await(server.upload(doctor, TestImages.png(6007), "image/png", "female", "hq", null));
        assertEquals(201, response.statusCode(), response.bodyAsString());
    }

    @Test
    @DisplayName("the Content-Type: no boundary or an unknown charset is a 400 that says so; the media type in any case is read")
    void contentTypeParameters() throws Exception {
        byte[] form = body("seed-multipart-upload");
        for (String type : new String[] {"multipart/form-data", "multipart/form-data; charset=utf-8",
                "multipart/form-data; boundary=" + BOUNDARY + "; charset=no-such-charset"}) {
            HttpResponse<Buffer> response = await(server.request(HttpMethod.POST, "/MRI", doctor)
                    .putHeader("Content-Type", type).sendBuffer(Buffer.buffer(form)));
            assertEquals(400, response.statusCode(), type + ": " + response.bodyAsString());
            assertEquals("application/problem+json", response.getHeader("Content-Type"), type);
            assertTrue(response.bodyAsJsonObject().getString("detail").contains("boundary"), type + ": " + response.bodyAsString());
        }
        byte[] png = TestImages.png(6008);
        Buffer upload = Buffer.buffer(part("form-data; name=\"gender\"", "male") + part("form-data; name=\"hospital\"", "hq")
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n", "ISO-8859-1").appendBytes(png)
                .appendString("\r\n--" + BOUNDARY + "--\r\n");
        HttpResponse<Buffer> response = await(server.request(HttpMethod.POST, "/MRI", doctor)
                .putHeader("Content-Type", "Multipart/Form-Data; boundary=" + BOUNDARY).sendBuffer(upload));
        assertEquals(201, response.statusCode(), response.bodyAsString());
    }

    /** Reads one HTTP/1.1 answer: headers, then Content-Length bytes of body. */
    static String readAnswer(InputStream in) throws Exception {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("the connection closed before the answer's headers: " + headers);
            }
            headers.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String head = headers.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        assertEquals(length, body.length, "the whole answer arrived: " + head);
        return head + new String(body, StandardCharsets.UTF_8);
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
