package org.mriclassifier.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The nodes of a test's cluster, each its own JVM on loopback: their environment (one PostgreSQL, one JWT key, one
 * cluster key, a static member list) and their stop at the end.
 */
public final class ClusterNodes {

    private final List<ServerProcess> processes = new ArrayList<>();
    private final String name;
    private final String dbUri;
    private final String jwtKey;
    private final ClusterKeys keys;
    private final List<Integer> hazelcastPorts = new ArrayList<>();

    /** {@code nodes} Hazelcast ports are picked now, so that each node's member list names them all. */
    public ClusterNodes(String name, String dbUri, ClusterKeys keys, int nodes) {
        this.name = name;
        this.dbUri = dbUri;
        this.keys = keys;
        this.jwtKey = ServerProcess.environment(TestServer.tempDir()).get("MRI_JWT_KEY");
        for (int i = 0; i < nodes; i++) {
            hazelcastPorts.add(TestServer.freePort());
        }
    }

    public String members() {
        return String.join(",", hazelcastPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    }

    public String jwtKey() {
        return jwtKey;
    }

    /** The environment of node {@code index} (its Hazelcast port from the member list) in {@code role}. */
    public Map<String, String> env(String role, int index) {
        return envOnPort(role, hazelcastPorts.get(index));
    }

    /** The environment of a node on {@code hazelcastPort}, in or out of the member list. */
    public Map<String, String> envOnPort(String role, int hazelcastPort) {
        Map<String, String> env = ServerProcess.environment(TestServer.tempDir());
        env.put("MRI_ROLE", role);
        env.put("MRI_DB_URL", dbUri);
        env.put("MRI_JWT_KEY", jwtKey);
        env.put("MRI_CLUSTER_ENABLED", "true");
        env.put("MRI_CLUSTER_HOST", "127.0.0.1");
        env.put("MRI_CLUSTER_PORT", Integer.toString(hazelcastPort));
        env.put("MRI_CLUSTER_BUS_PORT", Integer.toString(TestServer.freePort()));
        env.put("MRI_CLUSTER_MEMBERS", members());
        env.put("MRI_CLUSTER_NAME", name);
        env.put("MRI_CLUSTER_KEYSTORE", keys.keystore.toString());
        env.put("MRI_CLUSTER_KEYSTORE_PASSWORD", keys.password);
        env.put("MRI_HTTP_INSTANCES", "1");
        return env;
    }

    public ServerProcess start(Map<String, String> env) {
        ServerProcess process = ServerProcess.start(env, "384m");
        processes.add(process);
        return process;
    }

    /** SIGTERM to every node, then waits for each (a minute at most, then kills it). */
    public void stopAll() throws InterruptedException {
        for (ServerProcess p : processes) {
            p.terminate();
        }
        for (ServerProcess p : processes) {
            try {
                p.waitFor(60);
            } catch (IllegalStateException e) {
                // killed by waitFor already
            }
        }
    }
}
