package org.mriclassifier.auth;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.Credentials;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The token check the contract's {@code bearerAuth} scheme runs on every protected route: a strict look at the
 * token's shape, the library's JWT verification, then what it does not do: a token must have {@code exp}, and its {@code ver} must still be
 * its user's token version (deleting a user, or changing their password, role or hospital, moves it on).
 * On success the user carries the actor as the database knows it now, under {@link #ACTOR}.
 */
public final class TokenAuth implements JWTAuth {

    public static final String ACTOR = "mri.actor";

    private final JWTAuth verifier;
    private final PrincipalCache principals;
    /**
     * Tokens whose signature and claims were already verified, so a busy client's token is checked once, not
     * on every request; the expiry is still checked each time, and revocation ({@code checkCurrent}) is never
     * cached beyond the principal cache. Confined to one event loop (one instance per HTTP verticle); bounded.
     */
    private final Map<String, User> verified = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, User> eldest) {
            return size() > 10_000;
        }
    };

    public TokenAuth(JWTAuth verifier, PrincipalCache principals) {
        this.verifier = verifier;
        this.principals = principals;
    }

    @Override
    public Future<User> authenticate(Credentials credentials) {
        try {
            if (!(credentials instanceof TokenCredentials token)) {
                return Future.failedFuture("not a bearer token");
            }
            User known = verified.get(token.getToken());
            if (known != null && !known.expired()) {
                return checkCurrent(known);
            }
            if (!shapedLikeOurs(token.getToken())) {
                return Future.failedFuture("not a token this server issues");
            }
            return verifier.authenticate(credentials).onSuccess(user -> verified.put(token.getToken(), user))
                    .compose(this::checkCurrent);
        } catch (RuntimeException e) {
            // the library trips over some malformed claims (e.g. "exp": null); that is a bad token, not a crash
            return Future.failedFuture("malformed token");
        }
    }

    /**
     * Exactly the header this server writes ({@code alg} HS256, optional {@code typ} JWT: no kid, jku, x5u,
     * jwk or crit to act on) and numeric {@code exp}, {@code iat}, {@code nbf} where present; anything else
     * is refused before the library reads it.
     */
    static boolean shapedLikeOurs(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return false;
        }
        JsonObject header = decodeSegment(parts[0]);
        JsonObject claims = decodeSegment(parts[1]);
        if (header == null || claims == null || !TokenIssuer.ALGORITHM.equals(header.getValue("alg"))) {
            return false;
        }
        for (String name : header.fieldNames()) {
            if (!name.equals("alg") && !(name.equals("typ") && "JWT".equals(header.getValue("typ")))) {
                return false;
            }
        }
        for (String time : new String[] {"exp", "iat", "nbf"}) {
            if (claims.containsKey(time) && !(claims.getValue(time) instanceof Number)) {
                return false;
            }
        }
        return true;
    }

    private static JsonObject decodeSegment(String segment) {
        try {
            return new JsonObject(new String(Base64.getUrlDecoder().decode(segment), StandardCharsets.UTF_8));
        } catch (RuntimeException notJson) {
            return null;
        }
    }

    private Future<User> checkCurrent(User user) {
        JsonObject token = user.attributes().getJsonObject("accessToken");
        Object exp = token.getValue("exp");
        Object ver = token.getValue("ver");
        Object sub = token.getValue("sub");
        if (!(exp instanceof Number) || !(ver instanceof Number) || !(sub instanceof String subject)) {
            return Future.failedFuture("token lacks exp, sub or ver");
        }
        return principals.lookup(subject).compose(found -> {
            if (found.isEmpty() || found.get().tokenVersion() != ((Number) ver).intValue()) {
                return Future.failedFuture("token revoked");
            }
            PrincipalCache.Principal current = found.get();
            user.attributes().put(ACTOR, new JsonObject()
                    .put("id", current.id()).put("user_name", current.userName())
                    .put("role", current.role().wire()).put("hospital", current.hospital()));
            return Future.succeededFuture(user);
        });
    }

    @Override
    public String generateToken(JsonObject claims, JWTOptions options) {
        return verifier.generateToken(claims, options);
    }

    @Override
    public String generateToken(JsonObject claims) {
        return verifier.generateToken(claims);
    }
}
