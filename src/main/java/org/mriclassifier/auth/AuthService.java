package org.mriclassifier.auth;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;
import org.mriclassifier.db.DbErrors;
import org.mriclassifier.db.PoolFactory;
import org.mriclassifier.users.UserRepository;
import org.mriclassifier.users.UserRepository.Credentials;
import org.mriclassifier.users.UserRepository.UserRow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Login and the state of a token's user. One instance (event loop): its throttle counts every login.
 *
 * <p>An unknown email and a wrong password get the same answer after the same work (one bcrypt verification
 * each). Guessing is slowed per client, that is per (account, address) pair ({@link LoginBackoff}): after a few
 * failures each further one doubles the wait, answered 429 with the seconds to wait before any password is
 * checked. So a guesser cannot lock the account's owner out from elsewhere, nor the other users behind the
 * same address. Ceilings per account and per address (many clients together, within the window) stay as a
 * last resort, set far higher than one client reaches.
 */
public final class AuthService extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(AuthService.class);
    static final String INVALID_CREDENTIALS = "invalid email or password";

    private final PasswordWork passwords;
    private final TokenIssuer tokens;
    private final UserRepository repository = new UserRepository();
    private Pool pool;
    private LoginThrottle perAccount;
    private LoginThrottle perAddress;
    private LoginBackoff perClient;
    /** This service's id in the cluster's login events. */
    private final String origin = UUID.randomUUID().toString();

    public AuthService(PasswordWork passwords, TokenIssuer tokens) {
        this.passwords = passwords;
        this.tokens = tokens;
    }

    @Override
    public Future<?> start() {
        pool = PoolFactory.shared(vertx, config().getJsonObject("db"));
        JsonObject auth = config().getJsonObject("auth");
        long window = auth.getInteger("login_window_seconds", 900) * 1000L;
        perAccount = new LoginThrottle(window, auth.getInteger("login_max_failures_per_account", 100), 100_000);
        perAddress = new LoginThrottle(window, auth.getInteger("login_max_failures_per_address", 1000), 100_000);
        perClient = new LoginBackoff(auth.getInteger("login_free_failures", 3),
                auth.getInteger("login_first_delay_ms", 1000), auth.getInteger("login_max_delay_seconds", 900) * 1000L,
                window, 100_000);
        // other api nodes' checked logins (a clustered consumer; in one process only this node's, which it skips)
        vertx.eventBus().<JsonObject>consumer(Addresses.AUTH_EVENTS_ATTEMPT, event -> elsewhere(event.body()));
        return Future.all(
                Services.serve(vertx.eventBus(), Addresses.AUTH_LOGIN, this::login, DbErrors::asServiceException),
                Services.serve(vertx.eventBus(), Addresses.AUTH_PRINCIPAL, this::principal, DbErrors::asServiceException));
    }

    private Future<JsonObject> login(JsonObject command) {
        String email = command.getString("email");
        String password = command.getString("password");
        String address = command.getString("address", "unknown");
        String accountKey = email.toLowerCase(Locale.ROOT);
        String clientKey = LoginBackoff.key(accountKey, address);
        long now = System.currentTimeMillis();
        OptionalLong wait = max(perClient.retryAfterSeconds(clientKey, now),
                max(perAccount.retryAfterSeconds(accountKey, now), perAddress.retryAfterSeconds(address, now)));
        if (wait.isPresent()) {
            // refused before any work: counted per address and window in the audit trail, not a row each
            vertx.eventBus().publish(Addresses.SECURITY_EVENTS_UNAUTHENTICATED, new JsonObject()
                    .put("address", address).put("method", "POST").put("path", "/login")
                    .put("action", "auth.login.throttled").put("at", Instant.now().toString()));
            return Future.failedFuture(ServiceException.retryLater(429,
                    "too many failed logins; try again in " + wait.getAsLong() + " s", wait.getAsLong()));
        }
        // counted as a failure before the password is checked, so parallel guesses cannot all slip under
        // the limit while their bcrypt runs; a success takes it back
        perClient.recordFailure(clientKey, now);
        perAccount.recordFailure(accountKey, now);
        perAddress.recordFailure(address, now);
        return repository.findCredentialsByEmail(pool, email)
                .compose(found -> check(found, password))
                .compose(user -> {
                    if (user.isEmpty()) {
                        attempted("failure", accountKey, address);
                        publish(command, null, "failure");
                        return Future.failedFuture(new ServiceException(401, INVALID_CREDENTIALS));
                    }
                    perClient.clear(clientKey);
                    perAccount.clear(accountKey);
                    perAddress.forgetLatest(address);
                    attempted("success", accountKey, address);
                    UserRow row = user.get();
                    publish(command, row, "success");
                    String token = tokens.issue(new TokenIssuer.TokenSubject(row.id().toString(), row.userName(),
                            row.role(), row.hospital(), row.tokenVersion()));
                    return Future.succeededFuture(new JsonObject()
                            .put("access_token", token)
                            .put("token_type", "Bearer")
                            .put("expires_in", tokens.ttlSeconds()));
                });
    }

    /** Exactly one bcrypt verification whatever the case, so the answer's time says nothing. */
    private Future<Optional<UserRow>> check(Optional<Credentials> found, String password) {
        if (found.isEmpty()) {
            return passwords.verifyDecoy(password).map(ignored -> Optional.empty());
        }
        Credentials credentials = found.get();
        return passwords.verify(password, credentials.passwordHash()).map(ok -> {
            if (ok && passwords.hasher().needsRehash(credentials.passwordHash())) {
                upgradeHash(credentials, password);
            }
            return ok ? Optional.of(credentials.user()) : Optional.empty();
        });
    }

    private void upgradeHash(Credentials credentials, String password) {
        passwords.hash(password)
                .compose(newHash -> repository.rehash(pool, credentials.user().id(), credentials.passwordHash(), newHash))
                .onFailure(e -> LOG.warn("Could not upgrade the password hash of user {}: {}",
                        credentials.user().id(), e.toString()));
    }

    private Future<JsonObject> principal(JsonObject command) {
        UUID id;
        try {
            id = UUID.fromString(command.getString("id"));
        } catch (IllegalArgumentException | NullPointerException e) {
            return Future.failedFuture(ServiceException.notFound("no such user"));
        }
        return repository.findById(pool, id).map(found -> found
                .map(row -> new PrincipalCache.Principal(row.id().toString(), row.userName(), row.role(),
                        row.hospital(), row.tokenVersion()).toJson())
                .orElseThrow(() -> ServiceException.notFound("no such user")));
    }

    private void publish(JsonObject command, UserRow user, String outcome) {
        JsonObject event = new JsonObject()
                .put("outcome", outcome)
                .put("address", command.getString("address"))
                .put("request_id", command.getString("request_id"))
                .put("at", Instant.now().toString());
        if (user != null) {
            event.put("user_id", user.id().toString()).put("user_name", user.userName())
                    .put("role", user.role().wire()).put("hospital", user.hospital());
        }
        vertx.eventBus().publish(Addresses.AUTH_EVENTS_LOGIN, event);
    }

    /** Tells the other api nodes of a cluster how a login ended, for their backoff and ceilings. */
    private void attempted(String outcome, String accountKey, String address) {
        vertx.eventBus().publish(Addresses.AUTH_EVENTS_ATTEMPT, new JsonObject().put("origin", origin)
                .put("outcome", outcome).put("account", accountKey).put("address", address));
    }

    /** Another api node's login: its failure counts here too, its success clears what it cleared there. */
    private void elsewhere(JsonObject event) {
        String accountKey = event.getString("account");
        String address = event.getString("address");
        if (origin.equals(event.getString("origin")) || accountKey == null || address == null) {
            return;
        }
        String clientKey = LoginBackoff.key(accountKey, address);
        if ("failure".equals(event.getString("outcome"))) {
            long now = System.currentTimeMillis();
            perClient.recordFailure(clientKey, now);
            perAccount.recordFailure(accountKey, now);
            perAddress.recordFailure(address, now);
        } else if ("success".equals(event.getString("outcome"))) {
            perClient.clear(clientKey);
            perAccount.clear(accountKey);
        }
    }

    private static OptionalLong max(OptionalLong a, OptionalLong b) {
        if (a.isEmpty()) {
            return b;
        }
        return b.isEmpty() ? a : OptionalLong.of(Math.max(a.getAsLong(), b.getAsLong()));
    }
}
