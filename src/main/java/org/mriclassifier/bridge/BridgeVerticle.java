package org.mriclassifier.bridge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.mriclassifier.auth.PrincipalCache;
import org.mriclassifier.auth.Role;
import org.mriclassifier.auth.TokenAuth;
import org.mriclassifier.auth.TokenIssuer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge (vertx-tcp-eventbus-bridge): clients in any language connect, send 4-byte length +
 * JSON frames, and hear the events {@link BridgeSettings#outbound()} permits. The library checks the addresses;
 * this verticle adds what it lacks: who the client is (an admin's access token on the first frame, the
 * connection closed when the token expires or is revoked), one registration per address and a few per connection (the library
 * would leak a consumer per repeated registration), bounds on connections, on silence and on what a slow
 * reader can make the server buffer, and the connection count for /metrics.
 *
 * <p>One instance: every bridge connection is served on this verticle's event loop, so the state below is
 * confined to it (the map is concurrent only for the gauge).
 */
public final class BridgeVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(BridgeVerticle.class);
    private static final String BEARER = "Bearer ";

    private final BridgeSettings settings;
    private final TokenAuth tokens;
    private final MeterRegistry registry;
    private final List<Pattern> outbound;
    private final Map<NetSocket, Connection> connections = new ConcurrentHashMap<>();
    private TcpEventBusBridge bridge;
    private Gauge gauge;
    private long everySecond = -1;

    /** @param tokens the access-token check, or null when {@code bridge.auth} is none */
    public BridgeVerticle(BridgeSettings settings, TokenAuth tokens, MeterRegistry registry) {
        if (settings.auth() == BridgeSettings.Auth.TOKEN && tokens == null) {
            throw new IllegalArgumentException("bridge.auth=token needs the token check");
        }
        this.settings = settings;
        this.tokens = tokens;
        this.registry = registry;
        this.outbound = settings.outbound().stream().map(Pattern::compile).toList();
    }

    /** The bridge of these settings, checking tokens with the HTTP side's verifier and principal cache. */
    public static BridgeVerticle create(BridgeSettings settings, TokenIssuer issuer, PrincipalCache principals,
                                        MeterRegistry registry) {
        TokenAuth tokens = settings.auth() == BridgeSettings.Auth.TOKEN ? new TokenAuth(issuer.verifier(), principals) : null;
        return new BridgeVerticle(settings, tokens, registry);
    }

    /** Per connection: whether it proved who it is (or is proving it), and what it listens to. */
    private static final class Connection {
        Future<Void> admitted;
        /** the token that admitted it, checked again every second: a revoked one closes the connection */
        String token;
        boolean rechecking;
        final Set<String> registered = new HashSet<>();
        long expiryTimer = -1;
    }

    @Override
    public Future<?> start() {
        BridgeOptions options = new BridgeOptions();
        settings.outbound().forEach(p -> options.addOutboundPermitted(new PermittedOptions().setAddressRegex(p)));
        settings.inbound().forEach(p -> options.addInboundPermitted(new PermittedOptions().setAddressRegex(p)));
        // a connection that says nothing (not even a ping) for this long is closed: silent sockets cost nothing to open
        NetServerOptions net = new NetServerOptions().setHost(settings.host()).setPort(settings.port())
                .setIdleTimeout(settings.idleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS);
        if (settings.tls()) {
            net.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                    .setCertPath(settings.tlsCertPath()).setKeyPath(settings.tlsKeyPath()));
            if (settings.clientCertificates()) {
                net.setTrustOptions(new PemTrustOptions().addCertPath(settings.tlsClientCaPath()))
                        .setClientAuth(ClientAuth.REQUIRED);
            }
        }
        gauge = Gauge.builder("mri.bridge.connections", connections, Map::size)
                .description("Open TCP event-bus bridge connections (that sent a frame)").register(registry);
        everySecond = vertx.setPeriodic(1_000, id -> {
            closeSlowReaders();
            recheckTokens();
        });
        bridge = TcpEventBusBridge.create(vertx, options, net, this::onFrame);
        return bridge.listen().onSuccess(b -> LOG.info(
                "Event-bus bridge on {}:{} (TLS {}, auth {}), outbound {}, inbound {}", settings.host(), settings.port(),
                settings.clientCertificates() ? "with client certificates" : settings.tls() ? "on" : "off",
                settings.auth().name().toLowerCase(Locale.ROOT), settings.outbound(), settings.inbound()));
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(everySecond);
        if (gauge != null) {
            registry.remove(gauge);
        }
        connections.keySet().forEach(NetSocket::close);
        return bridge == null ? Future.succeededFuture() : bridge.close();
    }

    private void onFrame(BridgeEvent event) {
        NetSocket socket = event.socket();
        Connection connection = connections.get(socket);
        if (connection == null) {
            if (connections.size() >= settings.maxConnections()) {
                refuse(event, socket, "connections", "too_many_connections: at most " + settings.maxConnections());
                socket.end();
                return;
            }
            connection = opened(socket);
            connections.put(socket, connection);
        }
        Connection admittedOrNot = connection;
        BridgeEventType type = event.type();
        if (type == BridgeEventType.REGISTERED) {
            event.complete(true);
            return;
        }
        Context context = vertx.getOrCreateContext();
        JsonObject frame = event.getRawMessage();
        admitted(admittedOrNot, socket, frame).onComplete(admission -> context.runOnContext(v -> {
            if (admission.failed()) {
                refuse(event, socket, "auth", "access_denied: " + admission.cause().getMessage());
                socket.end();
                return;
            }
            String address = frame.getString("address");
            if (type == BridgeEventType.REGISTER && address != null && permittedOutbound(address)) {
                if (admittedOrNot.registered.contains(address)) {
                    refuse(event, socket, "duplicate", "already_registered: " + address);
                    return;
                }
                if (admittedOrNot.registered.size() >= settings.maxRegistrationsPerConnection()) {
                    refuse(event, socket, "limit", "too_many_registrations: at most "
                            + settings.maxRegistrationsPerConnection() + " per connection");
                    return;
                }
                admittedOrNot.registered.add(address);
            } else if (type == BridgeEventType.UNREGISTER) {
                admittedOrNot.registered.remove(address);
            }
            event.complete(true);
        }));
    }

    private Connection opened(NetSocket socket) {
        Connection connection = new Connection();
        socket.setWriteQueueMaxSize(settings.writeQueueBytes());
        socket.closeHandler(v -> {
            Connection gone = connections.remove(socket);
            if (gone != null && gone.expiryTimer >= 0) {
                vertx.cancelTimer(gone.expiryTimer);
            }
        });
        return connection;
    }

    /**
     * With {@code bridge.auth=token} the first frame must carry an admin's access token in
     * {@code headers.authorization}; later frames wait for that check. The token is removed from the frame, so it
     * never travels on to the event bus.
     */
    private Future<Void> admitted(Connection connection, NetSocket socket, JsonObject frame) {
        JsonObject headers = frame.getValue("headers") instanceof JsonObject h ? h : null;
        Object authorization = headers == null ? null : headers.remove("authorization");
        if (connection.admitted != null) {
            return connection.admitted;
        }
        if (settings.auth() == BridgeSettings.Auth.NONE) {
            connection.admitted = Future.succeededFuture();
            return connection.admitted;
        }
        if (!(authorization instanceof String value) || !value.startsWith(BEARER)) {
            return Future.failedFuture("the first frame must carry headers.authorization: Bearer <an admin's access token>");
        }
        String token = value.substring(BEARER.length()).trim();
        connection.admitted = tokens.authenticate(new TokenCredentials(token))
                .recover(error -> Future.failedFuture("the access token is not valid (expired, revoked or not ours)"))
                .compose(user -> admin(user) ? Future.succeededFuture(user)
                        : Future.failedFuture("only an admin may listen: events cover every hospital"))
                .map(user -> {
                    connection.token = token;
                    expireWith(connection, socket, user);
                    return (Void) null;
                });
        return connection.admitted;
    }

    private static boolean admin(User user) {
        JsonObject actor = user.attributes().getJsonObject(TokenAuth.ACTOR);
        return actor != null && Role.ADMIN.wire().equals(actor.getString("role"));
    }

    /** A registration outlives no token: at its expiry the connection is told so and closed. */
    private void expireWith(Connection connection, NetSocket socket, User user) {
        long expiresAtMs = user.attributes().getJsonObject("accessToken").getLong("exp") * 1000L;
        long delay = Math.max(1, expiresAtMs - System.currentTimeMillis());
        connection.expiryTimer = vertx.setTimer(delay, id -> {
            writeError(socket, "token_expired: reconnect with a fresh access token");
            socket.end();
        });
    }

    /**
     * Every admitted connection's token again, through the principal cache the HTTP side invalidates on every user
     * change: a deleted or demoted admin, or a changed password, ends the connection within about a second.
     */
    private void recheckTokens() {
        connections.forEach((socket, connection) -> {
            if (connection.token == null || connection.rechecking) {
                return;
            }
            connection.rechecking = true;
            tokens.authenticate(new TokenCredentials(connection.token))
                    .compose(user -> admin(user) ? Future.succeededFuture() : Future.failedFuture("no longer an admin"))
                    .onComplete(checked -> {
                        connection.rechecking = false;
                        if (checked.failed()) {
                            refused("revoked");
                            connection.token = null;
                            writeError(socket, "token_revoked: the access token is no longer valid");
                            socket.end();
                        }
                    });
        });
    }

    private boolean permittedOutbound(String address) {
        return outbound.stream().anyMatch(p -> p.matcher(address).matches());
    }

    private void closeSlowReaders() {
        connections.keySet().forEach(socket -> {
            if (socket.writeQueueFull()) {
                LOG.warn("Bridge client {} reads too slowly ({} bytes queued at most): closing it",
                        socket.remoteAddress(), settings.writeQueueBytes());
                refused("slow_reader");
                socket.close();
            }
        });
    }

    /** Our error frame (which says why), then the library's refusal. */
    private void refuse(BridgeEvent event, NetSocket socket, String reason, String message) {
        refused(reason);
        writeError(socket, message);
        event.complete(false);
    }

    private void refused(String reason) {
        Counter.builder("mri.bridge.refused").description("Bridge frames refused and connections closed, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    private static void writeError(NetSocket socket, String message) {
        byte[] json = new JsonObject().put("type", "err").put("message", message).encode().getBytes(StandardCharsets.UTF_8);
        socket.write(Buffer.buffer(4 + json.length).appendInt(json.length).appendBytes(json));
    }
}
