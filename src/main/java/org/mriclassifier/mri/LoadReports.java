package org.mriclassifier.mri;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import org.mriclassifier.bus.Addresses;

/**
 * Makes the fair shares of {@link ClassificationLoad} the cluster's: an api node publishes, every
 * {@code cluster.load_report_ms} (250 by default), its {@code max} and its classifications in progress per account on
 * {@link Addresses#MRI_CLUSTER_LOAD}, and sums the other api nodes' last reports into the load's
 * {@link ClassificationLoad#elsewhere}. A node that stops reporting (killed, cut off) drops out after
 * {@code cluster.load_expiry_ms} (1,000 by default), so its slots are not counted for ever.
 *
 * <p>A report carries account ids (the users' UUIDs), no names: it travels only on the cluster's TLS event bus, and
 * the address is not an event, so the event-bus bridge never opens it. Deployed on api nodes of a cluster only.
 */
public final class LoadReports extends VerticleBase {

    private final ClassificationLoad load;
    private final String node = UUID.randomUUID().toString();
    /** Event loop only: node → its last report and when it arrived. */
    private final Map<String, Heard> heard = new HashMap<>();
    private long expiryMs;

    private record Heard(int max, int inFlight, Map<String, Integer> perAccount, long atMs) {
    }

    public LoadReports(ClassificationLoad load) {
        this.load = load;
    }

    @Override
    public Future<?> start() {
        JsonObject cluster = config().getJsonObject("cluster", new JsonObject());
        long everyMs = Math.max(50, cluster.getLong("load_report_ms", 250L));
        expiryMs = Math.max(3 * everyMs, cluster.getLong("load_expiry_ms", 1_000L));
        vertx.setPeriodic(everyMs, id -> {
            report();
            sum();
        });
        return vertx.eventBus().<JsonObject>consumer(Addresses.MRI_CLUSTER_LOAD, message -> heard(message.body()))
                .completion();
    }

    @Override
    public Future<?> stop() {
        // the others stop counting this node's slots at once, not after the expiry
        vertx.eventBus().publish(Addresses.MRI_CLUSTER_LOAD, new JsonObject().put("node", node).put("leaving", true));
        load.elsewhere(ClassificationLoad.Elsewhere.NONE);
        return Future.succeededFuture();
    }

    private void report() {
        JsonObject accounts = new JsonObject();
        load.perAccount().forEach(accounts::put);
        vertx.eventBus().publish(Addresses.MRI_CLUSTER_LOAD, new JsonObject().put("node", node)
                .put("max", load.max()).put("in_flight", load.inFlight()).put("accounts", accounts));
    }

    private void heard(JsonObject report) {
        String from = report == null ? null : report.getString("node");
        if (from == null || from.equals(node)) {
            return;
        }
        if (report.getBoolean("leaving", false)) {
            heard.remove(from);
        } else {
            Map<String, Integer> perAccount = new HashMap<>();
            JsonObject accounts = report.getJsonObject("accounts", new JsonObject());
            for (String account : accounts.fieldNames()) {
                perAccount.put(account, Math.max(0, accounts.getInteger(account, 0)));
            }
            heard.put(from, new Heard(Math.max(0, report.getInteger("max", 0)),
                    Math.max(0, report.getInteger("in_flight", 0)), perAccount, System.currentTimeMillis()));
        }
        sum();
    }

    private void sum() {
        long now = System.currentTimeMillis();
        int max = 0;
        int inFlight = 0;
        Map<String, Integer> perAccount = new HashMap<>();
        for (Iterator<Heard> it = heard.values().iterator(); it.hasNext();) {
            Heard h = it.next();
            if (now - h.atMs() > expiryMs) {
                it.remove();
                continue;
            }
            max += h.max();
            inFlight += h.inFlight();
            h.perAccount().forEach((account, n) -> perAccount.merge(account, n, Integer::sum));
        }
        load.elsewhere(heard.isEmpty() ? ClassificationLoad.Elsewhere.NONE
                : new ClassificationLoad.Elsewhere(max, inFlight, perAccount));
    }
}
