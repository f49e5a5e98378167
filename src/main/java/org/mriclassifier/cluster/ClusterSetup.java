package org.mriclassifier.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PfxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster from the {@code cluster} configuration: Hazelcast for membership and the event bus's subscription
 * table (a static TCP member list, no multicast, no auto-detection, no phone-home, short failure detection), and the
 * event bus's own node-to-node TCP connections over mutual TLS: every node presents the cluster's certificate and
 * accepts only peers that present a certificate its trust store holds, so a process without the cluster's key can
 * neither receive nor send messages.
 *
 * <p>Hazelcast's own traffic (membership, heartbeats, the subscription table: which node listens on which address,
 * and the nodes' event-bus host and port) is not encrypted by the open-source edition: keep {@code cluster.port} on a
 * private network reachable only by the cluster's nodes (see docs/DEPLOYMENT.md). A process without the join secret
 * (by default derived from the cluster key) is not admitted to the membership ({@link #joinName}); one that learnt the
 * name on that network could join and disturb routing, but not read or send a message.
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
        config.setClusterName(joinName(cluster));
        // the log lines' prefix would repeat the cluster name, which is the join credential
        config.setProperty("hazelcast.logging.details.enabled", "false");
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

    /**
     * The Hazelcast cluster name: {@code cluster.name} and an HMAC-SHA256 of it keyed by the join secret, so a process
     * that lacks the secret is refused by the members when it asks to join (Hazelcast's open-source edition has no
     * member authentication; a join request with another cluster name is not answered). The secret is
     * {@code cluster.join_secret} when set, otherwise the cluster key store's private key (every node holds the same).
     * With a trust store (one key per node, or a key rotation) the keys differ, so a join secret is required.
     *
     * <p>The name travels in Hazelcast's join messages in the clear: a host that can listen on the cluster's private
     * network could learn it and join the membership, but still neither read nor send a message (the event bus's TLS).
     */
    static String joinName(JsonObject cluster) {
        String name = cluster.getString("name", "mri-classifier");
        byte[] secret;
        String configured = cluster.getString("join_secret", "");
        if (!configured.isBlank()) {
            if (configured.length() < 16) {
                throw new IllegalArgumentException("cluster.join_secret (MRI_CLUSTER_JOIN_SECRET) is shorter than 16 characters;"
                        + " generate one with: openssl rand -base64 32");
            }
            secret = configured.getBytes(StandardCharsets.UTF_8);
        } else if (!cluster.getString("truststore", "").isBlank()) {
            throw new IllegalArgumentException("cluster.truststore is set (one key per node, or a key rotation): set"
                    + " cluster.join_secret (MRI_CLUSTER_JOIN_SECRET) too, the same on every node; see docs/DEPLOYMENT.md");
        } else {
            secret = privateKey(cluster);
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] tag = mac.doFinal(("mri-classifier cluster join\0" + name).getBytes(StandardCharsets.UTF_8));
            return name + "-" + HexFormat.of().formatHex(tag, 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    private static byte[] privateKey(JsonObject cluster) {
        String keystore = cluster.getString("keystore", "");
        if (keystore.isBlank() || !Files.isReadable(Path.of(keystore))) {
            throw new IllegalArgumentException("cluster.enabled needs a readable cluster.keystore (MRI_CLUSTER_KEYSTORE);"
                    + " see docs/DEPLOYMENT.md");
        }
        char[] password = cluster.getString("keystore_password", "").toCharArray();
        try (InputStream in = Files.newInputStream(Path.of(keystore))) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    Key key = store.getKey(alias, password);
                    if (key != null && key.getEncoded() != null) {
                        return key.getEncoded();
                    }
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cluster.keystore " + keystore + " cannot be opened with"
                    + " cluster.keystore_password (a PKCS#12 file with the cluster's key is expected)");
        }
        throw new IllegalArgumentException("cluster.keystore " + keystore + " holds no private key");
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
