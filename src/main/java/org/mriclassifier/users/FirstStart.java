package org.mriclassifier.users;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import org.mriclassifier.audit.AuditTrail;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.auth.PasswordHasher;
import org.mriclassifier.auth.PasswordWork;
import org.mriclassifier.auth.Role;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.db.DbErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With no user at all, the server creates an admin: from MRI_ADMIN_EMAIL and MRI_ADMIN_PASSWORD when given,
 * otherwise with a random password printed once to the console (and nowhere else).
 */
public final class FirstStart {

    private static final Logger LOG = LoggerFactory.getLogger(FirstStart.class);

    private FirstStart() {
    }

    public static Future<Void> ensureAdmin(Pool pool, PasswordWork passwords, EventBus bus, JsonObject admin) {
        UserRepository repository = new UserRepository();
        return repository.anyUser(pool).compose(any -> {
            if (any) {
                return Future.succeededFuture();
            }
            String configured = admin.getString("password", "");
            boolean generated = configured.isBlank();
            String password = generated ? randomPassword() : configured;
            PasswordHasher.lengthProblem(password).ifPresent(problem -> {
                throw new IllegalArgumentException("MRI_ADMIN_PASSWORD " + problem);
            });
            String email = admin.getString("email", "").isBlank() ? "admin@localhost" : admin.getString("email");
            String name = admin.getString("user_name", "admin");
            String hospital = admin.getString("hospital", "headquarters");
            return passwords.hash(password)
                    .compose(hash -> pool.withTransaction(tx -> repository.insert(tx, name, email, hash, hospital, Role.ADMIN)
                            .compose(user -> AuditTrail.userChanged(tx, UserService.changeEvent("created",
                                    Actor.system("first-start"), user)).map(user))))
                    .map(user -> {
                        bus.publish(Addresses.USERS_EVENTS_CHANGED,
                                UserService.changeEvent("created", Actor.system("first-start"), user));
                        if (generated) {
                            System.out.printf("%n  First start: created the admin '%s' <%s> with the password%n%n"
                                    + "      %s%n%n  It is shown only this once. Log in and change it.%n%n",
                                    name, email, password);
                        }
                        LOG.info("First start: created the admin user '{}' of hospital '{}'", name, hospital);
                        return (Void) null;
                    })
                    // another node sharing the database got there first
                    .recover(e -> DbErrors.isUniqueViolation(e, UserRepository.UNIQUE_NAME)
                            || DbErrors.isUniqueViolation(e, UserRepository.UNIQUE_EMAIL)
                            ? Future.succeededFuture() : Future.failedFuture(e));
        });
    }

    private static String randomPassword() {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
}
