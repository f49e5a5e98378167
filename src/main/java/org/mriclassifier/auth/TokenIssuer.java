package org.mriclassifier.auth;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.List;
import java.util.UUID;

/**
 * Issues and verifies access tokens: HS256 with the server's key, with {@code iss}, {@code aud} and a short
 * {@code exp}, all checked. The token names the user ({@code sub}) and the user's token version
 * ({@code ver}); {@link TokenAuth} checks the version against the database on every request.
 */
public final class TokenIssuer {

    public static final String ALGORITHM = "HS256";

    private final JWTAuth jwt;
    private final String issuer;
    private final String audience;
    private final int ttlMinutes;

    public TokenIssuer(Vertx vertx, byte[] key, JsonObject jwtConfig) {
        this.issuer = jwtConfig.getString("issuer");
        this.audience = jwtConfig.getString("audience");
        this.ttlMinutes = jwtConfig.getInteger("ttl_minutes", 15);
        if (ttlMinutes < 1) {
            throw new IllegalArgumentException("jwt.ttl_minutes must be at least 1");
        }
        this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
                .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(Buffer.buffer(key)))
                .setJWTOptions(new JWTOptions()
                        .setAlgorithm(ALGORITHM)
                        .setIssuer(issuer)
                        .setAudience(List.of(audience))
                        .setLeeway(0)));
    }

    /** The verifier (signature, algorithm, iss, aud, exp, nbf); revocation is {@link TokenAuth}'s job. */
    public JWTAuth verifier() {
        return jwt;
    }

    public int ttlSeconds() {
        return ttlMinutes * 60;
    }

    public String issue(TokenSubject user) {
        JsonObject claims = new JsonObject()
                .put("name", user.userName())
                .put("role", user.role().wire())
                .put("hospital", user.hospital())
                .put("ver", user.tokenVersion())
                .put("jti", UUID.randomUUID().toString());
        return jwt.generateToken(claims, new JWTOptions()
                .setAlgorithm(ALGORITHM)
                .setSubject(user.id())
                .setIssuer(issuer)
                .setAudience(List.of(audience))
                .setExpiresInMinutes(ttlMinutes));
    }

    /** The facts a token states about its user. */
    public record TokenSubject(String id, String userName, Role role, String hospital, int tokenVersion) {
    }
}
