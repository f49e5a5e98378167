package org.mriclassifier.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PfxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The cluster from the {@code cluster} configuration: Hazelcast for membership and the event bus's subscription
 * table (a static TCP member list, no multicast, no auto-detection, no phone-home, short failure detection), and the
 * event bus's own node-to-node TCP connections over mutual TLS: every node presents the cluster's certificate and
 * accepts only peers that present a certificate its trust store holds, so a process without the cluster's key can
 * neither receive nor send messages.
 *
 * <p>Hazelcast's own traffic (membership, heartbeats, the subscription table: which node listens on which address,
 * and the nodes' event-bus host and port) is not encrypted by the open-source edition: keep {@code cluster.port} on a
 * private network reachable only by the cluster's nodes (see docs/DEPLOYMENT.md). A host that can reach it could join
 * the membership and disturb routing, but not read or send a message.
 */
public final class ClusterSetup {

    private ClusterSetup() {
    }

    public static boolean enabled(JsonObject config) {
        JsonObject cluster = config.getJsonObject("cluster");
        return cluster != null && cluster.getBoolean("enabled", false);
    }

    /** Hazelcast, configured here rather than from an XML file on the class path. */
    public static HazelcastClusterManager clusterManager(JsonObject cluster) {
        return new HazelcastClusterManager(hazelcast(cluster));
    }

    static Config hazelcast(JsonObject cluster) {
        // the default configuration's maps and multimap (the event bus's subscriptions), with our network on top
        Config config = new HazelcastClusterManager().loadConfig();
        config.setClusterName(cluster.getString("name", "mri-classifier"));
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        // the server's own shutdown hook leaves the cluster in order
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.health.monitoring.level", "OFF");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        // a member killed without a goodbye is dropped after a few seconds, not the default minute
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds",
                Integer.toString(Math.max(2, cluster.getInteger("member_timeout_seconds", 6))));
        config.setProperty("hazelcast.operation.call.timeout.millis", "10000");
        config.getMetricsConfig().setEnabled(false);
        config.getJetConfig().setEnabled(false);
        String host = cluster.getString("host", "127.0.0.1");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(cluster.getInteger("port", 5701)).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
        String publicHost = cluster.getString("public_host", "");
        if (!publicHost.isBlank()) {
            network.setPublicAddress(publicHost + ":" + cluster.getInteger("port", 5701));
        }
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(5).setMembers(members(cluster));
        return config;
    }

    static List<String> members(JsonObject cluster) {
        return Arrays.stream(cluster.getString("members", "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * The event bus's TCP server and clients: this node's address for the other nodes, and mutual TLS with the
     * cluster's PKCS#12 key store (its key and certificate) and trust store (the certificates a peer may present;
     * the key store's own certificate when no trust store is named).
     *
     * @throws IllegalArgumentException when the key store is not configured or not readable: a clustered node never
     *                                  runs its event bus in the clear
     */
    public static EventBusOptions eventBus(JsonObject cluster) {
        String keystore = cluster.getString("keystore", "");
        if (keystore.isBlank()) {
            throw new IllegalArgumentException("cluster.enabled needs cluster.keystore (MRI_CLUSTER_KEYSTORE): the PKCS#12 "
                    + "file with the cluster's key and certificate; see docs/DEPLOYMENT.md");
        }
        String password = cluster.getString("keystore_password", "");
        if (!Files.isReadable(Path.of(keystore))) {
            throw new IllegalArgumentException("cluster.keystore " + keystore + " cannot be read");
        }
        String truststore = cluster.getString("truststore", "");
        String trustPassword = truststore.isBlank() ? password : cluster.getString("truststore_password", "");
        if (truststore.isBlank()) {
            truststore = keystore;
        } else if (!Files.isReadable(Path.of(truststore))) {
            throw new IllegalArgumentException("cluster.truststore " + truststore + " cannot be read");
        }
        String host = cluster.getString("host", "127.0.0.1");
        String publicHost = cluster.getString("public_host", "");
        EventBusOptions options = new EventBusOptions()
                .setHost(host)
                .setPort(cluster.getInteger("bus_port", 5711))
                .setClusterPublicHost(publicHost.isBlank() ? host : publicHost)
                .setConnectTimeout(5_000)
                .setClusterPingInterval(2_000)
                .setClusterPingReplyInterval(2_000)
                .setSsl(true)
                .setClientAuth(ClientAuth.REQUIRED)
                .setKeyCertOptions(new PfxOptions().setPath(keystore).setPassword(password))
                .setTrustOptions(new PfxOptions().setPath(truststore).setPassword(trustPassword));
        options.setSslHandshakeTimeout(5);
        return options;
    }
}
