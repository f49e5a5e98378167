package org.mriclassifier.auth;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.Credentials;
import io.vertx.ext.auth.jwt.JWTAuth;

/**
 * The token check the contract's {@code bearerAuth} scheme runs on every protected route: the library's JWT
 * verification, then what it does not do: a token must have {@code exp}, and its {@code ver} must still be
 * its user's token version (deleting a user, or changing their password, role or hospital, moves it on).
 * On success the user carries the actor as the database knows it now, under {@link #ACTOR}.
 */
public final class TokenAuth implements JWTAuth {

    public static final String ACTOR = "mri.actor";

    private final JWTAuth verifier;
    private final PrincipalCache principals;

    public TokenAuth(JWTAuth verifier, PrincipalCache principals) {
        this.verifier = verifier;
        this.principals = principals;
    }

    @Override
    public Future<User> authenticate(Credentials credentials) {
        return verifier.authenticate(credentials).compose(this::checkCurrent);
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
