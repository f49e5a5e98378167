package org.mriclassifier.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.mriclassifier.testing.ClusterKeys;
import org.mriclassifier.testing.ClusterNodes;
import org.mriclassifier.testing.ModelBundles;
import org.mriclassifier.testing.ServerProcess;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;
import org.mriclassifier.vision.Sha256;

/**
 * Two api nodes and two inference nodes, each its own JVM on loopback, one PostgreSQL, the event bus over mutual TLS
 * with a key made for the test. The cluster is started once for the class (four JVMs loading TensorFlow is the cost);
 * the tests that only read or add rows run first, the one that kills the inference nodes last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@DisplayName("api and inference nodes on a clustered event bus")
class ClusterTest {

    private ClusterNodes nodes;
    private Vertx vertx;
    private String dbUri;
    private ClusterKeys keys;
    private ServerProcess apiA;
    private ServerProcess apiB;
    private ServerProcess inference1;
    private ServerProcess inference2;
    private WebClient clientA;
    private WebClient clientB;
    private String tokenA;
    private final AtomicInteger seeds = new AtomicInteger(71_000);

    @BeforeAll
    void startCluster() throws Exception {
        vertx = Vertx.vertx();
        dbUri = SharedPostgres.newDatabase();
        keys = ClusterKeys.generate("mri-cluster-test").ownerOnly();
        nodes = new ClusterNodes("mri-test", dbUri, keys, 4);
        inference1 = start(node("inference", 0));
        inference2 = start(node("inference", 1));
        apiA = start(node("api", 2));
        apiB = start(node("api", 3));
        clientA = apiA.client(vertx);
        clientB = apiB.client(vertx);
        await(apiA.ready(vertx, clientA, 400), 240);
        await(apiB.ready(vertx, clientB, 400), 240);
        // both inference nodes are heard by both api nodes before anything is sent
        awaitInferenceNodes(clientA, 2, apiA);
        awaitInferenceNodes(clientB, 2, apiB);
        tokenA = await(apiA.login(clientA), 30);
    }

    private Map<String, String> node(String role, int index) {
        return withTestSettings(nodes.env(role, index));
    }

    /** A node outside the member list the others were given. */
    private Map<String, String> nodeOnPort(String role, int hazelcastPort) {
        return withTestSettings(nodes.envOnPort(role, hazelcastPort));
    }

    private static Map<String, String> withTestSettings(Map<String, String> env) {
        env.put("MRI_AUTH_BCRYPT_COST", "12");
        // a client past its free failures waits long enough for the test to see it on the other node
        env.put("MRI_AUTH_LOGIN_FIRST_DELAY_MS", "60000");
        return env;
    }

    private ServerProcess start(Map<String, String> env) {
        return nodes.start(env);
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (nodes != null) {
            nodes.stopAll();
        }
        if (clientA != null) {
            clientA.close();
            clientB.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    @Order(1)
    @DisplayName("uploads through an api node are classified on the inference nodes and stored byte-identical; readiness names each node's model version")
    void uploadsClassifiedRemotely() throws Exception {
        JsonObject ready = await(clientA.get("/health/ready").send(), 30).bodyAsJsonObject();
        JsonObject model = check(ready, "model");
        JsonArray nodes = model.getJsonObject("data").getJsonArray("inference_nodes");
        assertEquals(2, nodes.size(), ready.encode());
        for (Object n : nodes) {
            assertNotNull(((JsonObject) n).getString("model_version"), ready.encode());
        }
        // an inference node's own probes (no other HTTP): ready, with the version it serves
        WebClient probe = inference1.client(vertx);
        try {
            HttpResponse<Buffer> own = await(probe.get("/health/ready").send(), 30);
            assertEquals(200, own.statusCode(), own.bodyAsString());
            assertNotNull(check(own.bodyAsJsonObject(), "model").getJsonObject("data").getString("version"), own.bodyAsString());
            assertEquals(404, await(probe.get("/MRI").send(), 30).statusCode());
        } finally {
            probe.close();
        }
        for (int i = 0; i < 6; i++) {
            byte[] image = TestImages.png(seeds.getAndIncrement());
            HttpResponse<Buffer> created = await(upload(clientA, tokenA, image), 60);
            assertEquals(201, created.statusCode(), created.bodyAsString());
            JsonObject row = created.bodyAsJsonObject();
            assertNotNull(row.getString("prediction"), row.encode());
            assertEquals(Sha256.hex(image), row.getString("image_sha256"));
            HttpResponse<Buffer> stored = await(clientA.get("/MRI/" + row.getString("id") + "/image")
                    .bearerTokenAuthentication(tokenA).send(), 30);
            assertEquals(200, stored.statusCode());
            assertArrayEquals(image, stored.body().getBytes(), "the stored bytes are the uploaded ones");
            if (i == 0) {
                // heat maps are drawn on the api node's own copy of the model
                HttpResponse<Buffer> heatmap = await(clientA.get("/MRI/" + row.getString("id") + "/heatmap")
                        .bearerTokenAuthentication(tokenA).send(), 60);
                assertEquals(200, heatmap.statusCode(), heatmap.bodyAsString());
            }
        }
    }

    @Test
    @Order(2)
    @DisplayName("a token revoked on api node A is refused on api node B within a second")
    void revocationReachesTheOtherApiNode() throws Exception {
        String name = "rev" + System.nanoTime();
        String email = name + "@test.example";
        HttpResponse<Buffer> created = await(clientA.post("/users").bearerTokenAuthentication(tokenA).sendJsonObject(new JsonObject()
                .put("user_name", name).put("user_email", email).put("user_password", "a long passphrase 1")
                .put("user_hospital", TestServer.ADMIN_HOSPITAL).put("user_role", "doctor")), 60);
        assertEquals(201, created.statusCode(), created.bodyAsString());
        String token = await(clientB.post("/login").sendJsonObject(new JsonObject().put("email", email)
                .put("password", "a long passphrase 1")), 60).bodyAsJsonObject().getString("access_token");
        // B knows the user now (its cache holds the principal for principal_cache_seconds, 30 by default)
        assertEquals(200, await(clientB.get("/users/" + name).bearerTokenAuthentication(token).send(), 30).statusCode());

        HttpResponse<Buffer> changed = await(clientA.patch("/users/" + name).bearerTokenAuthentication(tokenA)
                .sendJsonObject(new JsonObject().put("user_password", "another long passphrase 2")), 60);
        assertEquals(200, changed.statusCode(), changed.bodyAsString());
        long changedAt = System.nanoTime();
        int status = 200;
        while (status != 401 && System.nanoTime() - changedAt < TimeUnit.SECONDS.toNanos(5)) {
            status = await(clientB.get("/users/" + name).bearerTokenAuthentication(token).send(), 30).statusCode();
            if (status != 401) {
                Thread.sleep(25);
            }
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - changedAt);
        assertEquals(401, status, "the revoked token still works on B after " + tookMs + " ms");
        assertTrue(tookMs < 1_000, "refused on B only after " + tookMs + " ms");
    }

    @Test
    @Order(3)
    @DisplayName("a process with another key, or with none, is not admitted to the membership, and can neither receive from nor send to the nodes")
    void nodeWithoutTheKeyCannotSend() throws Exception {
        JsonObject ready = await(clientA.get("/health/ready").send(), 30).bodyAsJsonObject();
        String node = check(ready, "model").getJsonObject("data").getJsonArray("inference_nodes").getJsonObject(0).getString("node");
        ClusterKeys other = ClusterKeys.generate("mri-cluster-test");
        JsonObject cluster = new JsonObject().put("name", "mri-test").put("host", "127.0.0.1")
                .put("port", TestServer.freePort()).put("bus_port", TestServer.freePort())
                .put("members", apiA.env.get("MRI_CLUSTER_MEMBERS"))
                .put("keystore", other.keystore.toString()).put("keystore_password", other.password);
        io.vertx.spi.cluster.hazelcast.HazelcastClusterManager rogueMembership = ClusterSetup.clusterManager(cluster);
        Vertx rogue = Vertx.builder().with(new io.vertx.core.VertxOptions().setEventBusOptions(ClusterSetup.eventBus(cluster)))
                .withClusterManager(rogueMembership).buildClustered()
                .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        // a plain Hazelcast member with the configured name and the member list, as a process without any key would be
        com.hazelcast.config.Config plain = new com.hazelcast.config.Config().setClusterName("mri-test");
        plain.setProperty("hazelcast.phone.home.enabled", "false");
        plain.getNetworkConfig().setPort(TestServer.freePort()).setPortAutoIncrement(false);
        plain.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        plain.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        plain.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true)
                .setMembers(ClusterSetup.members(new JsonObject().put("members", apiA.env.get("MRI_CLUSTER_MEMBERS"))));
        com.hazelcast.core.HazelcastInstance keyless = com.hazelcast.core.Hazelcast.newHazelcastInstance(plain);
        try {
            assertEquals(1, rogueMembership.getNodes().size(), "a process with another key joined the membership");
            assertEquals(1, keyless.getCluster().getMembers().size(), "a process without a key joined the membership");
            org.mriclassifier.Codecs.register(rogue.eventBus());
            AtomicInteger heard = new AtomicInteger();
            rogue.eventBus().consumer(org.mriclassifier.bus.Addresses.INFERENCE_EVENTS_HEARTBEAT, m -> heard.incrementAndGet())
                    .completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            byte[] image = TestImages.png(seeds.getAndIncrement());
            Throwable refused = rogue.eventBus().request(org.mriclassifier.inference.InferenceEndpoint.address(node),
                            new org.mriclassifier.inference.ClassifyRequest(image, System.currentTimeMillis() + 60_000, null, "rogue"),
                            new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(8_000))
                    .toCompletionStage().toCompletableFuture().handle((reply, error) -> error).get(60, TimeUnit.SECONDS);
            assertNotNull(refused, "the inference node answered a process without the cluster's key");
            Thread.sleep(3_000);
            assertEquals(0, heard.get(), "a process without the key received the nodes' heartbeats");
        } finally {
            keyless.shutdown();
            rogue.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        // the cluster still serves
        HttpResponse<Buffer> created = await(upload(clientA, tokenA, TestImages.png(seeds.getAndIncrement())), 90);
        assertEquals(201, created.statusCode(), created.bodyAsString());
    }

    @Test
    @Order(5)
    @DisplayName("a node configured without the cluster key does not start")
    void noKeyNoStart() throws Exception {
        Map<String, String> env = nodeOnPort("inference", TestServer.freePort());
        env.put("MRI_CLUSTER_KEYSTORE", "");
        ServerProcess keyless = start(env);
        assertEquals(1, keyless.waitFor(120), keyless.tail());
        assertTrue(keyless.tail().contains("cluster.keystore"), keyless.tail());
    }

    @Test
    @Order(4)
    @DisplayName("a model uploaded and activated on an api node is fetched and served by every inference node within seconds, and readiness says so")
    void activationReachesTheInferenceNodes() throws Exception {
        String version = "cluster-" + System.currentTimeMillis();
        Path bundle = ModelBundles.copyWithVersion(version);
        HttpResponse<Buffer> uploaded = await(clientA.post("/models").bearerTokenAuthentication(tokenA)
                .sendMultipartForm(MultipartForm.create().binaryFileUpload("bundle", "bundle.zip",
                        Buffer.buffer(ModelBundles.zip(bundle)), "application/zip")), 120);
        assertEquals(201, uploaded.statusCode(), uploaded.bodyAsString());
        HttpResponse<Buffer> activated = await(clientA.post("/models/" + version + "/activate")
                .bearerTokenAuthentication(tokenA).send(), 120);
        assertEquals(200, activated.statusCode(), activated.bodyAsString());

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonArray nodes = new JsonArray();
        while (System.nanoTime() < deadline) {
            nodes = check(await(clientA.get("/health/ready").send(), 30).bodyAsJsonObject(), "model")
                    .getJsonObject("data").getJsonArray("inference_nodes");
            if (nodes.size() == 2 && nodes.stream().allMatch(n -> version.equals(((JsonObject) n).getString("model_version")))) {
                break;
            }
            Thread.sleep(200);
        }
        for (Object n : nodes) {
            assertEquals(version, ((JsonObject) n).getString("model_version"), nodes.encode());
        }
        // neither inference node had the bundle: each fetched it from the api node and checked it
        for (ServerProcess node : List.of(inference1, inference2)) {
            assertTrue(java.nio.file.Files.isRegularFile(Path.of(node.env.get("MRI_DATA_DIR"), "models", version, "model.json")),
                    node.tail());
        }
        HttpResponse<Buffer> created = await(upload(clientA, tokenA, TestImages.png(seeds.getAndIncrement())), 90);
        assertEquals(201, created.statusCode(), created.bodyAsString());
        assertEquals(version, created.bodyAsJsonObject().getString("model_version"));

        // a version registered but not active: an admin's re-classification with it runs on an inference node, which
        // fetches it first
        String other = version + "-b";
        HttpResponse<Buffer> second = await(clientA.post("/models").bearerTokenAuthentication(tokenA)
                .sendMultipartForm(MultipartForm.create().binaryFileUpload("bundle", "bundle.zip",
                        Buffer.buffer(ModelBundles.zip(ModelBundles.copyWithVersion(other))), "application/zip")), 120);
        assertEquals(201, second.statusCode(), second.bodyAsString());
        HttpResponse<Buffer> reclassified = await(clientA.post("/MRI/" + created.bodyAsJsonObject().getString("id")
                + "/classify?model_version=" + other).bearerTokenAuthentication(tokenA).send(), 120);
        assertEquals(200, reclassified.statusCode(), reclassified.bodyAsString());
        assertEquals(other, reclassified.bodyAsJsonObject().getString("model_version"));
        HttpResponse<Buffer> unknown = await(clientA.post("/MRI/" + created.bodyAsJsonObject().getString("id")
                + "/classify?model_version=never-registered").bearerTokenAuthentication(tokenA).send(), 120);
        assertEquals(404, unknown.statusCode(), unknown.bodyAsString());
    }

    @Test
    @Order(6)
    @DisplayName("SIGTERM of an inference node under load: it says goodbye, its requests go elsewhere, every upload is answered 201")
    void drainInferenceNode() throws Exception {
        Map<String, String> env = nodeOnPort("inference", TestServer.freePort());
        // it joins after the activation: it fetches the active version from the api node at start
        ServerProcess third = start(env);
        awaitInferenceNodes(clientA, 3, apiA);
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicInteger remaining = new AtomicInteger(32);
        List<Future<Void>> lanes = new ArrayList<>();
        for (int lane = 0; lane < 4; lane++) {
            lanes.add(lane(remaining, acknowledged, statuses, () -> { }));
        }
        while (acknowledged.size() < 6) {
            Thread.sleep(20);
        }
        third.terminate();
        Future.join(lanes).toCompletionStage().toCompletableFuture().get(240, TimeUnit.SECONDS);
        assertEquals(0, third.waitFor(60), third.tail());
        assertEquals(Map.of(201, 32), statuses.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())), "answers: " + statuses);
        awaitInferenceNodes(clientA, 2, apiA);
    }

    @Test
    @Order(7)
    @DisplayName("failed logins spread over two api nodes count together: past the free ones, the next attempt on either waits")
    void loginBackoffIsShared() throws Exception {
        JsonObject guess = new JsonObject().put("email", "guess" + System.nanoTime() + "@test.example")
                .put("password", "not the password");
        for (WebClient client : List.of(clientA, clientA, clientB, clientB)) {
            HttpResponse<Buffer> refused = await(client.post("/login").sendJsonObject(guess), 60);
            assertEquals(401, refused.statusCode(), refused.bodyAsString());
        }
        Thread.sleep(500);
        // four failures in all, two on each node: each node alone would still let a fourth one through
        HttpResponse<Buffer> waiting = await(clientA.post("/login").sendJsonObject(guess), 60);
        assertEquals(429, waiting.statusCode(), waiting.bodyAsString());
        assertNotNull(waiting.getHeader("Retry-After"));
    }

    @Test
    @Order(10)
    @DisplayName("SIGKILL of an inference node mid-stream: every 201 is stored exactly once; with no inference node left the api node answers 503 and readiness says why")
    void killInferenceNodes() throws Exception {
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicInteger remaining = new AtomicInteger(48);
        AtomicInteger afterKill = new AtomicInteger();
        boolean[] killed = {false};
        List<Future<Void>> lanes = new ArrayList<>();
        for (int lane = 0; lane < 4; lane++) {
            lanes.add(lane(remaining, acknowledged, statuses, () -> {
                if (killed[0]) {
                    afterKill.incrementAndGet();
                }
            }));
        }
        while (acknowledged.size() < 8) {
            Thread.sleep(20);
        }
        inference1.kill();
        killed[0] = true;
        inference1.waitFor(30);
        Future.join(lanes).toCompletionStage().toCompletableFuture().get(240, TimeUnit.SECONDS);
        assertTrue(afterKill.get() > 0, "no upload succeeded after the kill: " + statuses);
        for (int status : statuses.keySet()) {
            assertTrue(status == 201 || status == 503, "only 201 or 503 (Retry-After): " + statuses);
        }
        Map<String, Integer> rows = storedRows();
        for (Map.Entry<String, String> ack : acknowledged.entrySet()) {
            assertEquals(1, rows.getOrDefault(ack.getValue(), 0), "acknowledged upload " + ack.getKey() + " is stored exactly once");
        }
        assertEquals(1, awaitInferenceNodes(clientA, 1, apiA));

        inference2.kill();
        inference2.waitFor(30);
        awaitInferenceNodes(clientA, 0, apiA);
        HttpResponse<Buffer> ready = await(clientA.get("/health/ready").send(), 30);
        assertEquals(503, ready.statusCode());
        assertEquals("no live inference node", check(ready.bodyAsJsonObject(), "model").getJsonObject("data").getString("reason"),
                ready.bodyAsString());
        HttpResponse<Buffer> refused = await(upload(clientA, tokenA, TestImages.png(seeds.getAndIncrement())), 60);
        assertEquals(503, refused.statusCode(), refused.bodyAsString());
        assertNotNull(refused.getHeader("Retry-After"));
        assertTrue(refused.bodyAsJsonObject().getString("detail").contains("inference node"), refused.bodyAsString());
    }

    private Future<Void> lane(AtomicInteger remaining, Map<String, String> acknowledged, Map<Integer, AtomicInteger> statuses,
                              Runnable onCreated) {
        if (remaining.getAndDecrement() <= 0) {
            return Future.succeededFuture();
        }
        byte[] image = TestImages.png(seeds.getAndIncrement());
        return upload(clientA, tokenA, image).compose(r -> {
            statuses.computeIfAbsent(r.statusCode(), s -> new AtomicInteger()).incrementAndGet();
            if (r.statusCode() == 201) {
                acknowledged.put(r.bodyAsJsonObject().getString("id"), Sha256.hex(image));
                onCreated.run();
            }
            return vertx.timer(r.statusCode() == 503 ? 200 : 1).compose(t -> lane(remaining, acknowledged, statuses, onCreated));
        });
    }

    /** How many rows hold each SHA-256. */
    private Map<String, Integer> storedRows() {
        return SharedPostgres.query(dbUri, c -> {
            Map<String, Integer> counts = new HashMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT image_sha256, count(*) FROM mri GROUP BY image_sha256");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getInt(2));
                }
            }
            return counts;
        });
    }

    private Future<HttpResponse<Buffer>> upload(WebClient client, String token, byte[] image) {
        return client.post("/MRI").bearerTokenAuthentication(token).sendMultipartForm(MultipartForm.create()
                .binaryFileUpload("file", "scan.png", Buffer.buffer(image), "image/png")
                .attribute("gender", "female").attribute("hospital", TestServer.ADMIN_HOSPITAL));
    }

    private static JsonObject check(JsonObject ready, String id) {
        for (Object c : ready.getJsonArray("checks")) {
            if (id.equals(((JsonObject) c).getString("id"))) {
                return (JsonObject) c;
            }
        }
        throw new AssertionError("no check " + id + " in " + ready.encode());
    }

    /** Polls readiness until the api node lists this many inference nodes (a minute at most). */
    private int awaitInferenceNodes(WebClient client, int expected, ServerProcess api) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        int seen = -1;
        while (System.nanoTime() < deadline) {
            JsonObject ready = await(client.get("/health/ready").send(), 30).bodyAsJsonObject();
            JsonObject data = check(ready, "model").getJsonObject("data", new JsonObject());
            seen = data.getJsonArray("inference_nodes", new JsonArray()).size();
            if (seen == expected) {
                return seen;
            }
            Thread.sleep(200);
        }
        assertFalse(true, "the api node lists " + seen + " inference nodes, not " + expected + "; log: " + api.tail());
        return seen;
    }

    private static <T> T await(Future<T> future, int seconds) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    }
}
