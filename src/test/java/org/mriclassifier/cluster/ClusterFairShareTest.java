package org.mriclassifier.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.mriclassifier.testing.ClusterKeys;
import org.mriclassifier.testing.ClusterNodes;
import org.mriclassifier.testing.ServerProcess;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

/**
 * The fair shares of classifications are the cluster's (issue 15, item 4): two api nodes, each allowed 4
 * classifications in progress, and one inference node whose batcher waits 6 s for company, so that what is admitted
 * stays in progress while the test looks. Three JVMs on loopback, one PostgreSQL, the event bus over mutual TLS.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@DisplayName("fair shares across api nodes")
class ClusterFairShareTest {

    private ClusterNodes nodes;
    private final AtomicInteger seeds = new AtomicInteger(91_000);
    private Vertx vertx;
    private ServerProcess apiA;
    private ServerProcess apiB;
    private WebClient clientA;
    private WebClient clientB;

    @BeforeAll
    void startCluster() throws Exception {
        vertx = Vertx.vertx();
        nodes = new ClusterNodes("mri-fair-share-test", SharedPostgres.newDatabase(),
                ClusterKeys.generate("mri-fair-share-test").ownerOnly(), 3);
        Map<String, String> inference = node("inference", 0);
        inference.put("MRI_INFERENCE_MAX_DELAY_MS", "6000");
        inference.put("MRI_INFERENCE_MAX_BATCH", "64");
        nodes.start(inference);
        apiA = nodes.start(node("api", 1));
        apiB = nodes.start(node("api", 2));
        clientA = apiA.client(vertx);
        clientB = apiB.client(vertx);
        await(apiA.ready(vertx, clientA, 400), 240);
        await(apiB.ready(vertx, clientB, 400), 240);
        awaitInferenceNode(clientA);
        awaitInferenceNode(clientB);
    }

    private Map<String, String> node(String role, int index) {
        Map<String, String> env = nodes.env(role, index);
        env.put("MRI_MRI_MAX_CLASSIFICATIONS_IN_FLIGHT", "4");
        return env;
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
    @DisplayName("an account spreading its uploads over two api nodes holds one share of the cluster, and the account within its share is admitted even where that node alone is full")
    void sharesAreTheClusters() throws Exception {
        String greedy = await(apiA.login(clientA), 30);
        HttpResponse<Buffer> created = await(clientA.post("/users").bearerTokenAuthentication(greedy).sendJsonObject(
                new JsonObject().put("user_name", "modest").put("user_email", "modest@test.example")
                        .put("user_password", "modest-password").put("user_hospital", "M").put("user_role", "doctor")), 60);
        assertEquals(201, created.statusCode(), created.bodyAsString());
        String modest = await(clientB.post("/login").sendJsonObject(new JsonObject().put("email", "modest@test.example")
                .put("password", "modest-password")).map(r -> r.bodyAsJsonObject().getString("access_token")), 60);

        // the cluster's capacity is 8 (4 a node); the inference node holds every classification for 6 s
        List<Future<HttpResponse<Buffer>>> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(upload(clientA, greedy, TestServer.ADMIN_HOSPITAL));
        }
        Thread.sleep(700);
        for (int i = 0; i < 2; i++) {
            held.add(upload(clientB, greedy, TestServer.ADMIN_HOSPITAL));
        }
        for (int i = 0; i < 2; i++) {
            held.add(upload(clientB, modest, "M"));
        }
        Thread.sleep(700);
        for (Future<HttpResponse<Buffer>> h : held) {
            assertTrue(!h.isComplete() || (h.succeeded() && h.result().statusCode() == 201),
                    () -> "below the cluster's capacity everything is admitted: " + (h.failed() ? h.cause()
                            : h.result().statusCode() + " " + h.result().bodyAsString()));
        }

        // node B holds its 4 (greedy 2, modest 2) and the cluster its 8: two accounts hold classifications, so each
        // has a share of 4. Greedy holds 6 over the two nodes: refused on either. Counted per node, greedy's 2 on B
        // would be within B's share of 2 each, and modest's 2 would not.
        HttpResponse<Buffer> aboveOnB = await(upload(clientB, greedy, TestServer.ADMIN_HOSPITAL), 30);
        assertEquals(429, aboveOnB.statusCode(), aboveOnB.bodyAsString());
        assertTrue(aboveOnB.bodyAsJsonObject().getString("detail").contains("share"), aboveOnB.bodyAsString());
        HttpResponse<Buffer> aboveOnA = await(upload(clientA, greedy, TestServer.ADMIN_HOSPITAL), 30);
        assertEquals(429, aboveOnA.statusCode(), aboveOnA.bodyAsString());
        Future<HttpResponse<Buffer>> withinShare = upload(clientB, modest, "M");

        for (Future<HttpResponse<Buffer>> h : held) {
            HttpResponse<Buffer> answer = await(h, 90);
            assertEquals(201, answer.statusCode(), answer.bodyAsString());
        }
        HttpResponse<Buffer> modestThird = await(withinShare, 90);
        assertEquals(201, modestThird.statusCode(), "the account within its share is admitted: " + modestThird.bodyAsString());

        // once the work is done the reports say so: the account alone is admitted again on either node
        Thread.sleep(1_000);
        HttpResponse<Buffer> again = await(upload(clientB, greedy, TestServer.ADMIN_HOSPITAL), 90);
        assertEquals(201, again.statusCode(), again.bodyAsString());
    }

    private Future<HttpResponse<Buffer>> upload(WebClient client, String token, String hospital) {
        byte[] image = TestImages.png(seeds.getAndIncrement());
        return client.post("/MRI").bearerTokenAuthentication(token).sendMultipartForm(MultipartForm.create()
                .binaryFileUpload("file", "scan.png", Buffer.buffer(image), "image/png")
                .attribute("gender", "female").attribute("hospital", hospital));
    }

    private void awaitInferenceNode(WebClient client) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            JsonObject ready = await(client.get("/health/ready").send(), 30).bodyAsJsonObject();
            for (Object c : ready.getJsonArray("checks")) {
                JsonObject check = (JsonObject) c;
                if ("model".equals(check.getString("id")) && !check.getJsonObject("data", new JsonObject())
                        .getJsonArray("inference_nodes", new JsonArray()).isEmpty()) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the api node hears no inference node");
    }

    private static <T> T await(Future<T> future, int seconds) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    }
}
