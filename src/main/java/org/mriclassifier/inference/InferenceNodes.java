package org.mriclassifier.inference;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An api node's view of the inference nodes, from their heartbeats ({@code mri.inference.events.heartbeat}), and the
 * way its classifications reach them. Each classification goes to the live node with the fewest of this node's
 * requests in flight. A node is dropped when its heartbeats stop for {@code cluster.node_expiry_ms} (a SIGKILL, a
 * partition), when it says it leaves, or when the event bus finds no consumer there; its requests in flight then
 * fail at once and are sent to another live node (a classification changes nothing, so it can be repeated), up to
 * {@code cluster.inference_attempts} tries in all; otherwise the answer is 503 with Retry-After. With no live node
 * the answer is an immediate 503, and readiness says so.
 *
 * <p>Thread-safe: the table is guarded by this object; every answer is delivered on the caller's context.
 */
public final class InferenceNodes {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceNodes.class);

    private record Node(String id, String address, String modelVersion, long lastSeenMillis) {
    }

    /** One try of one request, which may be failed early when its node is dropped. */
    private record Attempt(String node, Context context, Promise<ClassifyReply> promise) {
    }

    private final Vertx vertx;
    private final long expiryMs;
    private final long timeoutMs;
    private final int attempts;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, Integer> outstanding = new LinkedHashMap<>();
    private final Set<Attempt> inFlight = new HashSet<>();
    private long sweepTimer = -1;

    public InferenceNodes(Vertx vertx, JsonObject cluster) {
        this.vertx = vertx;
        this.expiryMs = Math.max(500, cluster.getLong("node_expiry_ms", 3_500L));
        this.timeoutMs = Math.max(1_000, cluster.getLong("inference_timeout_ms", 20_000L));
        this.attempts = Math.max(1, cluster.getInteger("inference_attempts", 2));
    }

    /** Listens to the heartbeats (a clustered consumer) and sweeps out silent nodes. */
    public Future<Void> start() {
        sweepTimer = vertx.setPeriodic(Math.max(100, expiryMs / 4), id -> sweep());
        return vertx.eventBus().<JsonObject>consumer(Addresses.INFERENCE_EVENTS_HEARTBEAT, message -> heard(message.body()))
                .completion();
    }

    public void stop() {
        vertx.cancelTimer(sweepTimer);
    }

    private void heard(JsonObject beat) {
        String id = beat.getString("node");
        String address = beat.getString("address");
        if (id == null || address == null || !address.startsWith(Addresses.INFERENCE_CLASSIFY_PREFIX)) {
            return;
        }
        if (beat.getBoolean("leaving", false)) {
            drop(id, "it is leaving");
            return;
        }
        boolean isNew;
        synchronized (this) {
            isNew = nodes.put(id, new Node(id, address, beat.getString("model_version"), System.currentTimeMillis())) == null;
        }
        if (isNew) {
            LOG.info("Inference node {} joined (model {})", id, beat.getString("model_version"));
        }
    }

    private void sweep() {
        long now = System.currentTimeMillis();
        List<String> silent = new ArrayList<>();
        synchronized (this) {
            nodes.values().stream().filter(n -> now - n.lastSeenMillis() > expiryMs).forEach(n -> silent.add(n.id()));
        }
        silent.forEach(id -> drop(id, "no heartbeat for " + expiryMs + " ms"));
    }

    /** Forgets a node and fails its requests in flight (each is then tried on another node). */
    private void drop(String id, String why) {
        List<Attempt> orphaned = new ArrayList<>();
        synchronized (this) {
            if (nodes.remove(id) == null) {
                return;
            }
            inFlight.removeIf(a -> {
                if (a.node().equals(id)) {
                    orphaned.add(a);
                    return true;
                }
                return false;
            });
        }
        LOG.warn("Inference node {} dropped: {}; {} request(s) in flight there go elsewhere", id, why, orphaned.size());
        NodeLost lost = new NodeLost(why);
        orphaned.forEach(a -> a.context().runOnContext(v -> a.promise().tryFail(lost)));
    }

    /** The reason a try failed without an answer from the node: worth another try elsewhere. */
    private static final class NodeLost extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NodeLost(String why) {
            super(why, null, false, false);
        }
    }

    /** The live nodes and the model version each serves, for readiness. */
    public synchronized JsonObject status() {
        JsonArray live = new JsonArray();
        nodes.values().forEach(n -> live.add(new JsonObject().put("node", n.id()).put("model_version", n.modelVersion())));
        return new JsonObject().put("loaded", !nodes.isEmpty()).put("inference_nodes", live)
                .put("reason", nodes.isEmpty() ? "no live inference node" : null);
    }

    /** Classifies on a live inference node, trying another when the node is lost before it answered. */
    public Future<ClassifyReply> classify(byte[] image, String modelVersion, String requestId) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        return attempt(new ClassifyRequest(image, deadline, modelVersion, requestId), new HashSet<>(), 1);
    }

    private Future<ClassifyReply> attempt(ClassifyRequest request, Set<String> tried, int number) {
        Node node = pick(tried);
        if (node == null) {
            return Future.failedFuture(ServiceException.retryLater(503, tried.isEmpty()
                    ? "no inference node is available; try again shortly"
                    : "the inference node was lost and no other one is available; try again shortly", 2));
        }
        tried.add(node.id());
        Context context = vertx.getOrCreateContext();
        Promise<ClassifyReply> promise = Promise.promise();
        Attempt attempt = new Attempt(node.id(), context, promise);
        synchronized (this) {
            inFlight.add(attempt);
            outstanding.merge(node.id(), 1, Integer::sum);
        }
        long left = Math.max(1, request.deadlineMillis() - System.currentTimeMillis());
        vertx.eventBus().<ClassifyReply>request(node.address(), request, new DeliveryOptions().setSendTimeout(left))
                .map(Message::body)
                .onComplete(done -> {
                    if (done.succeeded()) {
                        promise.tryComplete(done.result());
                    } else {
                        promise.tryFail(done.cause());
                    }
                });
        return promise.future().andThen(done -> {
            synchronized (this) {
                inFlight.remove(attempt);
                outstanding.computeIfPresent(node.id(), (k, n) -> n <= 1 ? null : n - 1);
            }
        }).recover(error -> {
            // a node that left meanwhile (SIGTERM: it says goodbye, then stops its workers) may fail what it had
            boolean lost = error instanceof NodeLost || !live(node.id()) || (error instanceof ReplyException reply
                    && (reply.failureType() == ReplyFailure.NO_HANDLERS || reply.failureType() == ReplyFailure.ERROR));
            if (error instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
                drop(node.id(), "it has no consumer any more");
            }
            if (lost && number < attempts && System.currentTimeMillis() < request.deadlineMillis()) {
                LOG.info("Request {}: inference node {} lost ({}), trying another", request.requestId(), node.id(),
                        error.getMessage());
                return attempt(request, tried, number + 1);
            }
            if (lost || (error instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT)) {
                return Future.failedFuture(ServiceException.retryLater(503,
                        "the inference node did not answer; try again shortly", 2));
            }
            return Future.failedFuture(Services.asReplyFailure(error));
        });
    }

    private synchronized boolean live(String id) {
        return nodes.containsKey(id);
    }

    private synchronized Node pick(Set<String> tried) {
        Node best = null;
        int bestLoad = Integer.MAX_VALUE;
        int ties = 0;
        for (Node n : nodes.values()) {
            if (tried.contains(n.id())) {
                continue;
            }
            int load = outstanding.getOrDefault(n.id(), 0);
            if (load < bestLoad) {
                best = n;
                bestLoad = load;
                ties = 1;
            } else if (load == bestLoad && ThreadLocalRandom.current().nextInt(++ties) == 0) {
                best = n;
            }
        }
        return best;
    }
}
