package org.mriclassifier.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mriclassifier.bridge.EventBridgeTest.await;
import static org.mriclassifier.bridge.EventBridgeTest.drain;
import static org.mriclassifier.bridge.EventBridgeTest.firstLine;
import static org.mriclassifier.bridge.EventBridgeTest.python;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
@DisplayName("The event-bus bridge over TLS with client certificates: only a client holding a trusted certificate gets in")
class EventBridgeTlsTest {

    static TestServer server;
    static int bridgePort;
    static Path certs;
    static String admin;

    @BeforeAll
    static void start(Vertx vertx) throws Exception {
        certs = TestServer.tempDir();
        // made fresh for each run with the JDK's keytool (nothing committed): the server's and one client's
        selfSigned("server", "ip:127.0.0.1");
        selfSigned("client", "dns:bridge-client.test");
        bridgePort = TestServer.freePort();
        server = await(TestServer.startWith(vertx, new JsonObject().put("bridge", new JsonObject()
                .put("enabled", true).put("port", bridgePort)
                .put("tls_cert_path", certs.resolve("server.crt").toString())
                .put("tls_key_path", certs.resolve("server.key").toString())
                .put("tls_client_ca_path", certs.resolve("client.crt").toString()))));
        admin = await(server.adminToken());
    }

    @AfterAll
    static void stop() throws Exception {
        await(server.stop());
    }

    @Test
    @DisplayName("the Python client with the server's certificate authority, a client certificate and a token hears an upload's event")
    void clientWithCertificateHearsEvents() throws Exception {
        Process client = python(admin, "--port", String.valueOf(bridgePort), "--count", "1",
                "--cafile", certs.resolve("server.crt").toString(),
                "--cert", certs.resolve("client.crt").toString(), "--key", certs.resolve("client.key").toString());
        try {
            CompletableFuture<String> stdout = drain(client.getInputStream());
            assertEquals("listening on mri.events.classified", firstLine(client.getErrorStream()).get(30, TimeUnit.SECONDS));
            JsonObject row = await(server.uploaded(admin, TestImages.png(62_001), TestServer.ADMIN_HOSPITAL));
            assertTrue(client.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, client.exitValue());
            assertEquals(row.getString("id"), new JsonObject(stdout.get(5, TimeUnit.SECONDS).trim())
                    .getJsonObject("body").getString("id"));
        } finally {
            client.destroyForcibly();
        }
    }

    @Test
    @DisplayName("without a client certificate the TLS handshake fails, whatever the token; in clear nothing is answered")
    void noCertificateNoBridge() throws Exception {
        Process client = python(admin, "--port", String.valueOf(bridgePort),
                "--cafile", certs.resolve("server.crt").toString());
        try {
            CompletableFuture<String> stderr = drain(client.getErrorStream());
            assertTrue(client.waitFor(30, TimeUnit.SECONDS));
            assertNotEquals(0, client.exitValue());
            assertFalse(stderr.get(5, TimeUnit.SECONDS).contains("listening"), stderr.get());
        } finally {
            client.destroyForcibly();
        }
        try (EventBridgeTest.BridgeSocket plain = new EventBridgeTest.BridgeSocket(bridgePort)) {
            String answered;
            try {
                plain.send(new JsonObject().put("type", "register").put("address", "mri.events.classified")
                        .put("headers", new JsonObject().put("authorization", "Bearer " + admin)));
                plain.send(new JsonObject().put("type", "ping"));
                answered = new String(plain.rest(), StandardCharsets.ISO_8859_1);
            } catch (java.io.IOException hungUp) {
                // the TLS server closed the connection on the first clear-text frame (a broken pipe or a reset on
                // the next write or read): nothing was answered either
                answered = "";
            }
            assertFalse(answered.contains("pong") || answered.contains("access_denied"), answered);
        }
    }

    /** A self-signed EC certificate and its key as PEM files in {@link #certs}: NAME.crt and NAME.key. */
    static void selfSigned(String name, String san) throws Exception {
        Path store = certs.resolve(name + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=" + name, "-ext", "SAN=" + san, "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, output);
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(store.toFile())) {
            keyStore.load(in, "changeit".toCharArray());
        }
        Key key = keyStore.getKey(name, "changeit".toCharArray());
        Files.writeString(certs.resolve(name + ".key"), pem("PRIVATE KEY", key.getEncoded()));
        Files.writeString(certs.resolve(name + ".crt"), pem("CERTIFICATE", keyStore.getCertificate(name).getEncoded()));
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
