package org.mriclassifier.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.Server;
import org.mriclassifier.config.ConfigLoader;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@DisplayName("The TCP event-bus bridge: events out to an admin's client in any language, no command in")
class EventBridgeTest {

    static final String CLIENT = "clients/python/mri_events.py";
    /** What mri.events.classified may carry to a bridge client: no image bytes, no actor, no secrets. */
    static final Set<String> CLASSIFIED_FIELDS =
            Set.of("id", "hospital", "prediction", "probability", "unfamiliar", "model_version", "at");

    /** Refused configurations never get as far as the database. */
    static final String UNREACHABLE_DB = "postgresql://127.0.0.1:1/never";

    static final int IDLE_SECONDS = 3;

    static TestServer server;
    static int bridgePort;
    static String admin;
    static String doctor;

    @BeforeAll
    static void start(Vertx vertx) throws Exception {
        bridgePort = TestServer.freePort();
        server = await(TestServer.startWith(vertx, new JsonObject().put("bridge", new JsonObject()
                .put("enabled", true).put("port", bridgePort).put("idle_timeout_seconds", IDLE_SECONDS))));
        admin = await(server.adminToken());
        await(server.createUser(admin, "bridge-doc", "B", "doctor"));
        doctor = await(server.tokenOf("bridge-doc"));
    }

    @AfterAll
    static void stop() throws Exception {
        await(server.stop());
    }

    @Test
    @DisplayName("the Python client of docs/EXTENDING.md hears mri.events.classified for an upload, with its id and no image")
    void pythonClientHearsClassification() throws Exception {
        Process client = python(admin, "--port", String.valueOf(bridgePort), "--count", "1", "--ping-seconds", "1");
        try {
            CompletableFuture<String> stdout = drain(client.getInputStream());
            CompletableFuture<String> listening = firstLine(client.getErrorStream());
            assertEquals("listening on mri.events.classified", listening.get(30, TimeUnit.SECONDS));
            // quiet for longer than the bridge's idle timeout: the client's pings keep it connected
            Thread.sleep(TimeUnit.SECONDS.toMillis(IDLE_SECONDS + 1));
            assertTrue(client.isAlive(), "the client is still connected");
            JsonObject row = await(server.uploaded(doctor, TestImages.png(61_001), "B"));
            assertTrue(client.waitFor(30, TimeUnit.SECONDS), "the client exits after its one event");
            assertEquals(0, client.exitValue());
            JsonObject heard = new JsonObject(stdout.get(5, TimeUnit.SECONDS).trim());
            assertEquals("mri.events.classified", heard.getString("address"));
            JsonObject event = heard.getJsonObject("body");
            assertEquals(row.getString("id"), event.getString("id"));
            assertEquals("B", event.getString("hospital"));
            assertEquals(row.getString("prediction"), event.getString("prediction"));
            assertEquals(row.getString("model_version"), event.getString("model_version"));
            assertEquals(CLASSIFIED_FIELDS, event.fieldNames());
        } finally {
            client.destroyForcibly();
        }
    }

    @Test
    @DisplayName("the Python client without a token, or with a doctor's, is refused with a reason and disconnected")
    void pythonClientNeedsAnAdminToken() throws Exception {
        for (String token : new String[] {"", doctor, "not.a.token"}) {
            Process client = python(token, "--port", String.valueOf(bridgePort));
            try {
                CompletableFuture<String> stderr = drain(client.getErrorStream());
                assertTrue(client.waitFor(30, TimeUnit.SECONDS), "the bridge closes the connection");
                assertEquals(2, client.exitValue());
                assertTrue(stderr.get(5, TimeUnit.SECONDS).startsWith("refused: access_denied: "), stderr.get());
            } finally {
                client.destroyForcibly();
            }
        }
    }

    @Test
    @DisplayName("an admitted client cannot send to a command address, publish an event or listen to a command address")
    void noCommandsThroughTheBridge() throws Exception {
        try (BridgeSocket bridge = new BridgeSocket(bridgePort)) {
            bridge.send(new JsonObject().put("type", "register").put("address", "mri.events.changed")
                    .put("headers", new JsonObject().put("authorization", "Bearer " + admin)));
            bridge.send(new JsonObject().put("type", "ping"));
            assertEquals("pong", bridge.read().getString("type"));
            for (JsonObject frame : new JsonObject[] {
                    new JsonObject().put("type", "send").put("address", "mri.upload").put("replyAddress", "r1")
                            .put("body", new JsonObject().put("hospital", "B")),
                    new JsonObject().put("type", "send").put("address", "users.delete").put("body", new JsonObject()),
                    new JsonObject().put("type", "send").put("address", "auth.login")
                            .put("body", new JsonObject().put("email", TestServer.ADMIN_EMAIL)),
                    new JsonObject().put("type", "publish").put("address", "mri.events.classified")
                            .put("body", new JsonObject().put("id", "forged")),
                    new JsonObject().put("type", "publish").put("address", "users.events.changed").put("body", new JsonObject()),
                    new JsonObject().put("type", "register").put("address", "mri.upload"),
                    new JsonObject().put("type", "register").put("address", "security.events.denied")}) {
                bridge.send(frame);
                JsonObject answer = bridge.read();
                assertEquals("err", answer.getString("type"), frame.encode());
                assertEquals("access_denied", answer.getString("message"), frame.encode());
            }
            bridge.send(new JsonObject().put("type", "ping"));
            assertEquals("pong", bridge.read().getString("type"), "refusals keep the connection");
        }
    }

    @Test
    @DisplayName("frames the library cannot read (not JSON, an unknown type, no address) leave other clients served")
    void garbageFramesHarmNobodyElse() throws Exception {
        try (BridgeSocket garbage = new BridgeSocket(bridgePort)) {
            garbage.sendRaw("{not json".getBytes(StandardCharsets.UTF_8));
            garbage.send(new JsonObject().put("type", "bogus").put("address", "mri.events.classified"));
            garbage.send(new JsonObject().put("address", "mri.upload").put("body", new JsonObject()));
            garbage.send(new JsonObject().put("type", "register")
                    .put("headers", new JsonObject().put("authorization", "Bearer " + admin)));
            try (BridgeSocket other = new BridgeSocket(bridgePort)) {
                other.send(new JsonObject().put("type", "register").put("address", "mri.events.classified")
                        .put("headers", new JsonObject().put("authorization", "Bearer " + admin)));
                other.send(new JsonObject().put("type", "ping"));
                assertEquals("pong", other.read().getString("type"));
            }
        }
        assertEquals(200, await(server.client.get("/health/live").send()).statusCode());
    }

    @Test
    @DisplayName("a second registration of one address is refused (the library would leak a consumer), and /metrics counts connections")
    void oneRegistrationPerAddressAndCounted() throws Exception {
        try (BridgeSocket bridge = new BridgeSocket(bridgePort)) {
            JsonObject register = new JsonObject().put("type", "register").put("address", "mri.events.accessed");
            bridge.send(register.copy().put("headers", new JsonObject().put("authorization", "Bearer " + admin)));
            bridge.send(register);
            JsonObject refusal = bridge.read();
            assertEquals("already_registered: mri.events.accessed", refusal.getString("message"));
            assertEquals("err", bridge.read().getString("type"), "then the library's own refusal");
            bridge.send(new JsonObject().put("type", "ping"));
            assertEquals("pong", bridge.read().getString("type"));

            String metrics = await(server.client.get("/metrics").bearerTokenAuthentication(admin).send()).bodyAsString();
            assertTrue(metrics.lines().anyMatch(l -> l.matches("mri_bridge_connections(\\{.*\\})? [1-9][0-9]*\\.0")), metrics);
            assertTrue(metrics.contains("mri_bridge_refused_total{reason=\"duplicate\"}"), metrics);
        }
    }

    @Test
    @DisplayName("an admin's connection ends within seconds of the admin's deletion; a silent connection ends at the idle timeout")
    void revokedAndSilentConnectionsEnd() throws Exception {
        await(server.createUser(admin, "bridge-admin", "B", "admin"));
        String second = await(server.tokenOf("bridge-admin"));
        try (BridgeSocket bridge = new BridgeSocket(bridgePort)) {
            bridge.send(new JsonObject().put("type", "register").put("address", "mri.events.classified")
                    .put("headers", new JsonObject().put("authorization", "Bearer " + second)));
            bridge.send(new JsonObject().put("type", "ping"));
            assertEquals("pong", bridge.read().getString("type"));
            assertEquals(200, await(server.client.delete("/users/bridge-admin").bearerTokenAuthentication(admin).send())
                    .statusCode());
            long deleted = System.nanoTime();
            JsonObject closing = bridge.read();
            assertEquals("token_revoked: the access token is no longer valid", closing.getString("message"));
            assertTrue(System.nanoTime() - deleted < TimeUnit.SECONDS.toNanos(5), "within seconds");
            assertEquals(0, bridge.rest().length, "then the connection is closed");
        }
        long opened = System.nanoTime();
        try (BridgeSocket silent = new BridgeSocket(bridgePort)) {
            assertEquals(0, silent.rest().length, "closed without a word");
            long waited = System.nanoTime() - opened;
            assertTrue(waited > TimeUnit.SECONDS.toNanos(IDLE_SECONDS - 1) && waited < TimeUnit.SECONDS.toNanos(IDLE_SECONDS + 5),
                    waited + " ns");
        }
    }

    @Test
    @DisplayName("a configuration that lets the bridge reach a command address, publish into the server's own events, or listen off loopback in clear or unauthenticated is refused at start-up")
    void commandAddressesRefusedAtStartUp(Vertx vertx) {
        String[][] refused = {
                {"outbound", "mri\\..*", "mri.upload"},
                {"outbound", "mri\\.events\\..+,users\\.create", "users.create"},
                {"outbound", ".*", "auth.login"},
                {"outbound", "mri\\.model\\.run\\.[0-9]+", "mri.model.run.0"},
                {"outbound", "mri\\.model\\.run\\.1[0-9]", "mri.model.run.15"},
                {"outbound", "__vertx\\..*", "__vertx.reply.1"},
                {"inbound", "mri\\.events\\..+", "mri.events.classified"},
                {"inbound", "auth\\..*", "auth.login"}};
        for (String[] c : refused) {
            JsonObject config = TestServer.config(TestServer.tempDir(), UNREACHABLE_DB,
                    new JsonObject().put("bridge", new JsonObject().put("enabled", true).put("port", TestServer.freePort())
                            .put(c[0], c[1])));
            ExecutionException failed = assertThrows(ExecutionException.class, () -> await(Server.start(vertx, config)));
            String message = failed.getCause().getMessage();
            assertTrue(message.startsWith("bridge." + c[0] + ": '"), message);
            assertTrue(message.contains(" reach " + c[2] + ", an address of the server's own"), message);
        }
        JsonObject plain = TestServer.config(TestServer.tempDir(), UNREACHABLE_DB, new JsonObject()
                .put("bridge", new JsonObject().put("enabled", true).put("host", "0.0.0.0")));
        ExecutionException failed = assertThrows(ExecutionException.class, () -> await(Server.start(vertx, plain)));
        assertTrue(failed.getCause().getMessage().startsWith("bridge.host=0.0.0.0 is not loopback: "), failed.getCause().getMessage());
        JsonObject open = TestServer.config(TestServer.tempDir(), UNREACHABLE_DB, new JsonObject()
                .put("bridge", new JsonObject().put("enabled", true).put("host", "0.0.0.0").put("auth", "none")
                        .put("tls_cert_path", "bridge.crt").put("tls_key_path", "bridge.key")));
        failed = assertThrows(ExecutionException.class, () -> await(Server.start(vertx, open)));
        assertTrue(failed.getCause().getMessage().startsWith("bridge.auth=none on 0.0.0.0 "), failed.getCause().getMessage());
        // off by default, and an operator's own inbound address is fine
        assertTrue(!BridgeSettings.from(TestServer.config(TestServer.tempDir(), "", new JsonObject())).enabled());
        BridgeSettings own = BridgeSettings.from(new JsonObject().put("bridge", new JsonObject().put("enabled", true)
                .put("inbound", "example\\.alerts\\..+")));
        assertEquals(java.util.List.of("mri\\.events\\..+"), own.outbound());
        assertEquals(java.util.List.of("example\\.alerts\\..+"), own.inbound());
        IllegalArgumentException half = assertThrows(IllegalArgumentException.class, () -> BridgeSettings.from(
                new JsonObject().put("bridge", new JsonObject().put("enabled", true).put("tls_cert_path", "bridge.crt"))));
        assertEquals("bridge.tls_cert_path and bridge.tls_key_path go together: set both or neither", half.getMessage());
        IllegalArgumentException notRegex = assertThrows(IllegalArgumentException.class, () -> BridgeSettings.from(
                new JsonObject().put("bridge", new JsonObject().put("enabled", true).put("outbound", "mri\\.events\\.("))));
        assertTrue(notRegex.getMessage().startsWith("bridge.outbound: 'mri\\.events\\.(' is not a regular expression"),
                notRegex.getMessage());
        // the MRI_* variables, as serve reads them
        JsonObject defaults = ConfigLoader.defaults();
        BridgeSettings fromEnv = BridgeSettings.from(ConfigLoader.applyEnvironment(defaults, defaults, Map.of(
                "MRI_BRIDGE_ENABLED", "true", "MRI_BRIDGE_PORT", "7100",
                "MRI_BRIDGE_OUTBOUND", "mri\\.events\\.classified, mri\\.events\\.changed")));
        assertEquals(7100, fromEnv.port());
        assertEquals(java.util.List.of("mri\\.events\\.classified", "mri\\.events\\.changed"), fromEnv.outbound());
        IllegalArgumentException fromBadEnv = assertThrows(IllegalArgumentException.class, () -> BridgeSettings.from(
                ConfigLoader.applyEnvironment(defaults, defaults, Map.of("MRI_BRIDGE_ENABLED", "true",
                        "MRI_BRIDGE_INBOUND", "mri\\.(upload|classify)"))));
        assertEquals("bridge.inbound: 'mri\\.(upload|classify)' would let bridge clients reach mri.upload, an address of"
                + " the server's own; bridge clients may only send to addresses the server does not use", fromBadEnv.getMessage());
    }

    static Process python(String token, String... args) throws IOException {
        String[] command = new String[args.length + 2];
        command[0] = "python3";
        command[1] = CLIENT;
        System.arraycopy(args, 0, command, 2, args.length);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("MRI_BRIDGE_TOKEN", token);
        return builder.start();
    }

    static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static CompletableFuture<String> firstLine(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
                    line.write(b);
                }
                return line.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    /** A bridge client in a few lines of Java: 4-byte big-endian length, then JSON. */
    static final class BridgeSocket implements AutoCloseable {
        private final Socket socket;
        private final DataInputStream in;
        private final DataOutputStream out;

        BridgeSocket(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new DataInputStream(socket.getInputStream());
            out = new DataOutputStream(socket.getOutputStream());
        }

        void send(JsonObject frame) throws IOException {
            byte[] json = frame.encode().getBytes(StandardCharsets.UTF_8);
            out.writeInt(json.length);
            out.write(json);
            out.flush();
        }

        void sendRaw(byte[] payload) throws IOException {
            out.writeInt(payload.length);
            out.write(payload);
            out.flush();
        }

        JsonObject read() throws IOException {
            int length = in.readInt();
            byte[] json = new byte[length];
            in.readFully(json);
            return new JsonObject(new String(json, StandardCharsets.UTF_8));
        }

        /** Whatever else the server sends until it closes the connection. */
        byte[] rest() throws IOException {
            return in.readAllBytes();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
