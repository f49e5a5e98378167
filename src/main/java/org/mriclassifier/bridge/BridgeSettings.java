package org.mriclassifier.bridge;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.mriclassifier.bus.Addresses;

/**
 * The {@code bridge} slice of the configuration, checked once at start-up: a configuration that would let a
 * bridge client reach a command address (either way), publish into any address of the server's own, listen off
 * loopback without TLS, or listen off loopback with neither tokens nor client certificates is refused with a
 * message that names the key and the address.
 *
 * <p>{@code outbound} and {@code inbound} are address patterns: Java regular expressions matched against the
 * whole address, several separated by commas (or a JSON array in the configuration file).
 */
public record BridgeSettings(boolean enabled, String host, int port, List<String> outbound, List<String> inbound,
                             Auth auth, String tlsCertPath, String tlsKeyPath, String tlsClientCaPath,
                             int maxConnections, int maxRegistrationsPerConnection, int writeQueueBytes,
                             int idleTimeoutSeconds) {

    /** How a bridge client proves who it is. */
    public enum Auth {
        /** every connection's first frame carries an admin's access token (headers.authorization: Bearer ...). */
        TOKEN,
        /** nobody is asked: only on loopback, or with TLS client certificates. */
        NONE
    }

    /** A Vert.x reply address, as the event bus makes them: a bridge must never reach a reply meant for a service. */
    static final String SAMPLE_REPLY_ADDRESS = "__vertx.reply.1";

    public static BridgeSettings from(JsonObject config) {
        JsonObject bridge = config.getJsonObject("bridge", new JsonObject());
        Auth auth;
        try {
            auth = Auth.valueOf(bridge.getString("auth", "token").trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bridge.auth must be token or none, got '" + bridge.getString("auth") + "'");
        }
        BridgeSettings settings = new BridgeSettings(bridge.getBoolean("enabled", false),
                bridge.getString("host", "127.0.0.1"), bridge.getInteger("port", 7000),
                patterns(bridge.getValue("outbound", "mri\\.events\\..+")), patterns(bridge.getValue("inbound", "")),
                auth, blankToNull(bridge.getString("tls_cert_path")), blankToNull(bridge.getString("tls_key_path")),
                blankToNull(bridge.getString("tls_client_ca_path")),
                bridge.getInteger("max_connections", 64), bridge.getInteger("max_registrations_per_connection", 8),
                bridge.getInteger("write_queue_bytes", 1 << 20), bridge.getInteger("idle_timeout_seconds", 60));
        if (settings.enabled) {
            settings.check();
        }
        return settings;
    }

    public boolean tls() {
        return tlsCertPath != null;
    }

    public boolean clientCertificates() {
        return tlsClientCaPath != null;
    }

    private void check() {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("bridge.port must be 0..65535, got " + port);
        }
        if (maxConnections < 1 || maxRegistrationsPerConnection < 1 || writeQueueBytes < 1024 || idleTimeoutSeconds < 1) {
            throw new IllegalArgumentException("bridge.max_connections, bridge.max_registrations_per_connection and"
                    + " bridge.idle_timeout_seconds must be at least 1, bridge.write_queue_bytes at least 1024");
        }
        if ((tlsCertPath == null) != (tlsKeyPath == null)) {
            throw new IllegalArgumentException("bridge.tls_cert_path and bridge.tls_key_path go together: set both or neither");
        }
        if (tlsClientCaPath != null && tlsCertPath == null) {
            throw new IllegalArgumentException("bridge.tls_client_ca_path needs bridge.tls_cert_path and bridge.tls_key_path");
        }
        boolean loopback = loopback(host);
        if (!loopback && !tls()) {
            throw new IllegalArgumentException("bridge.host=" + host + " is not loopback: events carry medical metadata,"
                    + " so off loopback the bridge needs TLS (bridge.tls_cert_path and bridge.tls_key_path)");
        }
        if (auth == Auth.NONE && !clientCertificates() && !loopback) {
            throw new IllegalArgumentException("bridge.auth=none on " + host + " would hand medical metadata to anyone who"
                    + " can reach the port: bind bridge.host to loopback, require client certificates"
                    + " (bridge.tls_client_ca_path) or use bridge.auth=token");
        }
        List<String> commands = commandAddresses();
        List<String> own = new ArrayList<>(commands);
        own.addAll(eventAddresses());
        refuse("bridge.outbound", outbound, commands);
        refuse("bridge.inbound", inbound, own);
    }

    private static void refuse(String key, List<String> patterns, List<String> forbidden) {
        for (String pattern : patterns) {
            Pattern compiled;
            try {
                compiled = Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(key + ": '" + pattern + "' is not a regular expression: "
                        + e.getDescription());
            }
            for (String address : forbidden) {
                if (compiled.matcher(address).matches()) {
                    throw new IllegalArgumentException(key + ": '" + pattern + "' would let bridge clients reach "
                            + address + ", an address of the server's own; bridge clients may only "
                            + (key.endsWith("outbound") ? "hear events" : "send to addresses the server does not use"));
                }
            }
        }
    }

    /** Every command address of {@link Addresses}, and a reply address: whatever is not an event. */
    static List<String> commandAddresses() {
        List<String> commands = new ArrayList<>(declaredAddresses().stream().filter(a -> !event(a)).toList());
        commands.add(SAMPLE_REPLY_ADDRESS);
        return commands;
    }

    static List<String> eventAddresses() {
        return declaredAddresses().stream().filter(BridgeSettings::event).toList();
    }

    /**
     * A constant ending in a dot is a prefix ({@code mri.model.run.} + a runner's index, or + a node's id): it
     * stands for addresses made from it, with a number, a name and a UUID after it.
     */
    private static List<String> expanded(String address) {
        return address.endsWith(".")
                ? List.of(address + "0", address + "15", address + "node-1", address + "3f2b8c1e-6a4d-4c1b-9f0e-2d7a5b8c9e01")
                : List.of(address);
    }

    private static boolean event(String address) {
        return address.contains(".events.");
    }

    private static List<String> declaredAddresses() {
        List<String> addresses = new ArrayList<>();
        for (Field field : Addresses.class.getDeclaredFields()) {
            int modifiers = field.getModifiers();
            if (Modifier.isStatic(modifiers) && Modifier.isPublic(modifiers) && field.getType() == String.class) {
                try {
                    addresses.addAll(expanded((String) field.get(null)));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return addresses;
    }

    private static List<String> patterns(Object value) {
        List<String> patterns = new ArrayList<>();
        if (value instanceof JsonArray array) {
            for (Object entry : array) {
                add(patterns, String.valueOf(entry));
            }
        } else if (value != null) {
            for (String entry : String.valueOf(value).split(",")) {
                add(patterns, entry);
            }
        }
        return List.copyOf(patterns);
    }

    private static void add(List<String> patterns, String entry) {
        String trimmed = entry.trim();
        if (!trimmed.isEmpty()) {
            patterns.add(trimmed);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static boolean loopback(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bridge.host '" + host + "' does not resolve");
        }
    }
}
