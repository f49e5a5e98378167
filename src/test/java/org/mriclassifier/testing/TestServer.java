package org.mriclassifier.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.mriclassifier.Server;
import org.mriclassifier.config.ConfigLoader;

/**
 * The real server, started the way {@code serve} starts it, on a free port, a fresh database and its own data
 * directory; plus a web client and the helpers most tests need (log in, create a user).
 */
public final class TestServer {

    public static final String ADMIN_EMAIL = "admin@test.example";
    public static final String ADMIN_PASSWORD = "admin-password-for-tests";
    public static final String ADMIN_HOSPITAL = "hq";

    public final Server server;
    public final JsonObject config;
    public final int port;
    public final WebClient client;
    public final String dbUri;

    private TestServer(Server server, JsonObject config, WebClient client, String dbUri) {
        this.server = server;
        this.config = config;
        this.port = config.getJsonObject("http").getInteger("port");
        this.client = client;
        this.dbUri = dbUri;
    }

    /** Defaults, then test settings, then {@code overrides} (merged deeply). */
    public static JsonObject config(Path dataDir, String dbUri, JsonObject overrides) {
        byte[] key = new byte[48];
        new SecureRandom().nextBytes(key);
        JsonObject config = ConfigLoader.defaults().mergeIn(new JsonObject()
                .put("data_dir", dataDir.toString())
                .put("http", new JsonObject().put("host", "127.0.0.1").put("port", freePort()).put("instances", 2))
                .put("db", new JsonObject().put("url", dbUri == null ? "" : dbUri))
                .put("jwt", new JsonObject().put("key", Base64.getEncoder().encodeToString(key)))
                .put("admin", new JsonObject().put("email", ADMIN_EMAIL).put("password", ADMIN_PASSWORD)
                        .put("hospital", ADMIN_HOSPITAL))
                .put("model", new JsonObject().put("dir", modelDir()))
                .put("vision", new JsonObject().put("instances", 1))
                .put("inference", new JsonObject().put("intra_op_threads", 1)), true);
        return config.mergeIn(overrides, true);
    }

    /** The shipped default model, or the one MRI_TEST_MODEL_DIR names. */
    public static String modelDir() {
        String fromEnv = System.getenv("MRI_TEST_MODEL_DIR");
        return fromEnv != null && !fromEnv.isBlank() ? fromEnv : "model/default";
    }

    public static Future<TestServer> start(Vertx vertx) {
        return startWith(vertx, new JsonObject());
    }

    /** On a fresh database of the shared test PostgreSQL, with these settings over the test defaults. */
    public static Future<TestServer> startWith(Vertx vertx, JsonObject overrides) {
        String dbUri = SharedPostgres.newDatabase();
        return startConfigured(vertx, config(tempDir(), dbUri, overrides));
    }

    /** With exactly this configuration (an empty db.url starts the embedded PostgreSQL in data_dir). */
    public static Future<TestServer> startConfigured(Vertx vertx, JsonObject config) {
        String dbUri = config.getJsonObject("db").getString("url");
        return Server.start(vertx, config).map(server -> new TestServer(server, config,
                WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
                        .setDefaultPort(config.getJsonObject("http").getInteger("port"))), dbUri));
    }

    public Future<Void> stop() {
        client.close();
        return server.stop();
    }

    public Future<String> login(String email, String password) {
        return client.post("/login").sendJsonObject(new JsonObject().put("email", email).put("password", password))
                .map(r -> {
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("login as " + email + " answered " + r.statusCode() + " "
                                + r.bodyAsString());
                    }
                    return r.bodyAsJsonObject().getString("access_token");
                });
    }

    public Future<String> adminToken() {
        return login(ADMIN_EMAIL, ADMIN_PASSWORD);
    }

    /** Creates a user as the admin; the password is {@code <name>-password}. */
    public Future<JsonObject> createUser(String adminToken, String name, String hospital, String role) {
        JsonObject body = new JsonObject().put("user_name", name).put("user_email", name + "@test.example")
                .put("user_password", name + "-password").put("user_hospital", hospital).put("user_role", role);
        return client.post("/users").bearerTokenAuthentication(adminToken).sendJsonObject(body).map(r -> {
            if (r.statusCode() != 201) {
                throw new IllegalStateException("creating " + name + " answered " + r.statusCode() + " " + r.bodyAsString());
            }
            return r.bodyAsJsonObject();
        });
    }

    /** Logs in as a user made by {@link #createUser}. */
    public Future<String> tokenOf(String name) {
        return login(name + "@test.example", name + "-password");
    }

    /** POST /MRI as multipart/form-data: the image as a file part named file, plus the form fields. */
    public Future<HttpResponse<Buffer>> upload(String token, byte[] image, String mediaType, String gender, String hospital,
                                               String label) {
        io.vertx.ext.web.multipart.MultipartForm form = io.vertx.ext.web.multipart.MultipartForm.create()
                .binaryFileUpload("file", "scan", Buffer.buffer(image), mediaType);
        if (gender != null) {
            form.attribute("gender", gender);
        }
        if (hospital != null) {
            form.attribute("hospital", hospital);
        }
        if (label != null) {
            form.attribute("class", label);
        }
        return client.post("/MRI").bearerTokenAuthentication(token).sendMultipartForm(form);
    }

    /** Uploads and returns the stored row, failing on anything but 201. */
    public Future<JsonObject> uploaded(String token, byte[] image, String hospital) {
        return upload(token, image, "image/png", "female", hospital, null).map(r -> {
            if (r.statusCode() != 201) {
                throw new IllegalStateException("upload answered " + r.statusCode() + " " + r.bodyAsString());
            }
            return r.bodyAsJsonObject();
        });
    }

    public HttpRequest<Buffer> request(io.vertx.core.http.HttpMethod method, String path, String token) {
        HttpRequest<Buffer> request = client.request(method, path);
        return token == null ? request : request.bearerTokenAuthentication(token);
    }

    public static Map<String, Object> problemWithoutIds(HttpResponse<Buffer> response) {
        JsonObject body = response.bodyAsJsonObject().copy();
        body.remove("request_id");
        body.remove("instance");
        return body.getMap();
    }

    public static Path tempDir() {
        try {
            return Files.createTempDirectory("mri-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
