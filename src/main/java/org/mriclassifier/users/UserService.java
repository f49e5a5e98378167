package org.mriclassifier.users;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.mriclassifier.audit.AuditTrail;
import org.mriclassifier.auth.AccessPolicy;
import org.mriclassifier.auth.AccessPolicy.UserFacts;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.auth.Decision;
import org.mriclassifier.auth.PasswordHasher;
import org.mriclassifier.auth.PasswordWork;
import org.mriclassifier.auth.Role;
import org.mriclassifier.bus.Addresses;
import org.mriclassifier.bus.EntityTags;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.bus.Services;
import org.mriclassifier.db.DbErrors;
import org.mriclassifier.db.PoolFactory;
import org.mriclassifier.users.UserRepository.UserRow;

/**
 * The users service (event loop): create, read, list, change and delete users, each command checked against
 * {@link AccessPolicy} before it acts. Every change is published on {@code users.events.changed}; refusals on
 * {@code security.events.denied}.
 *
 * <p>Commands carry the {@code actor} (see {@link Actor#toJson()}) and their arguments, with the original
 * API's field names: {@code user_name, user_email, user_password, user_hospital, user_role}.
 */
public final class UserService extends VerticleBase {

    private final PasswordWork passwords;
    private final UserRepository repository = new UserRepository();
    private Pool pool;
    private int pageSizeMax;

    public UserService(PasswordWork passwords) {
        this.passwords = passwords;
    }

    @Override
    public Future<?> start() {
        pool = PoolFactory.shared(vertx, config().getJsonObject("db"));
        pageSizeMax = config().getJsonObject("users", new JsonObject()).getInteger("page_size_max", 200);
        EventBus bus = vertx.eventBus();
        return Future.all(
                Services.serve(bus, Addresses.USERS_CREATE, this::create, DbErrors::asServiceException),
                Services.serve(bus, Addresses.USERS_GET, this::get, DbErrors::asServiceException),
                Services.serve(bus, Addresses.USERS_LIST, this::list, DbErrors::asServiceException),
                Services.serve(bus, Addresses.USERS_UPDATE, this::update, DbErrors::asServiceException),
                Services.serve(bus, Addresses.USERS_DELETE, this::delete, DbErrors::asServiceException));
    }

    private Future<JsonObject> create(JsonObject command) {
        Actor actor = Actor.fromJson(command.getJsonObject("actor"));
        JsonObject user = command.getJsonObject("user");
        String hospital = hospital(user.getString("user_hospital"));
        Role role = role(user.getString("user_role"));
        Decision decision = AccessPolicy.createUser(actor, hospital, role);
        if (!decision.allowed()) {
            return Future.failedFuture(deny(actor, "user.create", user.getString("user_name"), decision));
        }
        String password = user.getString("user_password");
        checkPassword(password);
        return passwords.hash(password)
                .compose(hash -> pool.withTransaction(tx -> repository.insert(tx, user.getString("user_name"),
                                user.getString("user_email"), hash, hospital, role)
                        .compose(created -> audited(tx, "created", actor, created))))
                .recover(error -> explainConflict(error, actor, "user.create", user.getString("user_name"),
                        user.getString("user_name"), user.getString("user_email")))
                .onSuccess(created -> changed("created", actor, created))
                .map(UserRow::toJson);
    }

    private Future<JsonObject> get(JsonObject command) {
        Actor actor = Actor.fromJson(command.getJsonObject("actor"));
        String userName = command.getString("user_name");
        return repository.findByName(pool, userName).map(found -> {
            UserRow row = found.orElseThrow(() -> noSuchUser(userName));
            Decision decision = AccessPolicy.readUser(actor, facts(row));
            if (!decision.allowed()) {
                throw deny(actor, "user.read", userName, decision);
            }
            return row.toJson();
        });
    }

    private Future<JsonObject> list(JsonObject command) {
        Actor actor = Actor.fromJson(command.getJsonObject("actor"));
        int limit = Math.min(command.getInteger("limit", 50), pageSizeMax);
        UserRepository.ListQuery query = new UserRepository.ListQuery(
                AccessPolicy.hospitalScope(actor).orElse(null),
                command.getString("hospital"), command.getString("role"), command.getString("q"),
                AccessPolicy.listOnlySelf(actor) ? UUID.fromString(actor.id()) : null,
                limit, command.getInteger("offset", 0));
        return repository.list(pool, query);
    }

    /**
     * PUT (replace: every field given) and PATCH (only the fields given) on one user, in one transaction
     * that locks the row, checks the policy against it, compares the optional {@code if_match} tag with its
     * version and writes it.
     */
    private Future<JsonObject> update(JsonObject command) {
        Actor actor = Actor.fromJson(command.getJsonObject("actor"));
        String userName = command.getString("user_name");
        String ifMatch = command.getString("if_match");
        JsonObject changes = command.getJsonObject("changes");
        String newPassword = changes.getString("user_password");
        if (newPassword != null) {
            checkPassword(newPassword);
        }
        // the policy first (so nobody without the right can spend the bcrypt pool), then the hash outside the
        // transaction (a quarter of a second of bcrypt must not hold a row lock), then the policy again on the
        // locked row, which may have changed meanwhile
        String currentPassword = changes.getString("current_password");
        if (currentPassword != null && newPassword == null) {
            return Future.failedFuture(ServiceException.badRequest("current_password",
                    "goes with user_password, when you change your own password"));
        }
        return repository.findByName(pool, userName)
                .map(found -> authorizeChange(actor, userName, found, changes))
                .compose(current -> requireCurrentPassword(actor, current, newPassword, currentPassword))
                .compose(v -> newPassword == null ? Future.<String>succeededFuture(null) : passwords.hash(newPassword))
                .compose(hash -> pool.withTransaction(tx -> repository.findByNameForUpdate(tx, userName)
                        .compose(found -> {
                            UserRow current = authorizeChange(actor, userName, found, changes);
                            if (ifMatch != null) {
                                EntityTags.requireCurrent(ifMatch, current.version());
                            }
                            Role role = newRole(changes, current);
                            Future<Void> adminsLeft = current.role() == Role.ADMIN && role != Role.ADMIN
                                    ? requireAnotherAdmin(tx) : Future.succeededFuture();
                            return adminsLeft.compose(v -> repository.update(tx, current,
                                    changes.getString("user_name", current.userName()),
                                    changes.getString("user_email", current.email()), newHospital(changes, current),
                                    role, hash))
                                    .compose(updated -> audited(tx, "updated", actor, updated));
                        })))
                .recover(error -> explainConflict(error, actor, "user.update", userName,
                        changes.getString("user_name"), changes.getString("user_email")))
                .onSuccess(updated -> changed("updated", actor, updated))
                .map(UserRow::toJson);
    }

    private Future<JsonObject> delete(JsonObject command) {
        Actor actor = Actor.fromJson(command.getJsonObject("actor"));
        String userName = command.getString("user_name");
        String ifMatch = command.getString("if_match");
        return pool.withTransaction(tx -> repository.findByNameForUpdate(tx, userName).compose(found -> {
                    UserRow current = found.orElseThrow(() -> noSuchUser(userName));
                    Decision decision = AccessPolicy.deleteUser(actor, facts(current));
                    if (!decision.allowed()) {
                        throw deny(actor, "user.delete", userName, decision);
                    }
                    if (ifMatch != null) {
                        EntityTags.requireCurrent(ifMatch, current.version());
                    }
                    Future<Void> adminsLeft = current.role() == Role.ADMIN ? requireAnotherAdmin(tx)
                            : Future.succeededFuture();
                    return adminsLeft.compose(v -> repository.delete(tx, current.id()))
                            .compose(v -> audited(tx, "deleted", actor, current));
                }))
                .onSuccess(deleted -> changed("deleted", actor, deleted))
                .map(UserRow::toJson);
    }

    private UserRow authorizeChange(Actor actor, String userName, Optional<UserRow> found, JsonObject changes) {
        UserRow current = found.orElseThrow(() -> noSuchUser(userName));
        if (AccessPolicy.isOwnPasswordChange(actor, facts(current), changes.fieldNames())) {
            return current;
        }
        Decision decision = AccessPolicy.changeUser(actor, facts(current), newHospital(changes, current),
                newRole(changes, current));
        if (!decision.allowed()) {
            throw deny(actor, "user.update", userName, decision);
        }
        return current;
    }

    /**
     * Whoever changes their own password proves they know the current one (a stolen, still valid token must not
     * be enough to take the account over); a wrong one is refused (403) and audited. Admins and moderators set
     * other users' passwords without it.
     */
    private Future<Void> requireCurrentPassword(Actor actor, UserRow target, String newPassword, String currentPassword) {
        if (newPassword == null || !target.id().toString().equals(actor.id())) {
            return Future.succeededFuture();
        }
        if (currentPassword == null) {
            return Future.failedFuture(ServiceException.badRequest("current_password",
                    "is required to change your own password"));
        }
        return repository.passwordHash(pool, target.id())
                .compose(hash -> hash.isEmpty() ? Future.failedFuture(noSuchUser(target.userName()))
                        : passwords.verify(currentPassword, hash.get()))
                .compose(ok -> {
                    if (ok) {
                        return Future.succeededFuture();
                    }
                    deny(actor, "user.password", target.userName(), Decision.forbidden("wrong current password"));
                    return Future.failedFuture(new ServiceException(403, "current_password is wrong", "current_password"));
                });
    }

    private static String newHospital(JsonObject changes, UserRow current) {
        return changes.containsKey("user_hospital") ? hospital(changes.getString("user_hospital")) : current.hospital();
    }

    private static Role newRole(JsonObject changes, UserRow current) {
        return Optional.ofNullable(changes.getString("user_role")).map(UserService::role).orElse(current.role());
    }

    /** Hospital names are trimmed; a name of blanks is no name. */
    private static String hospital(String raw) {
        String hospital = raw == null ? "" : raw.strip();
        if (hospital.isEmpty()) {
            throw ServiceException.badRequest("user_hospital", "must not be blank");
        }
        return hospital;
    }

    /** Serialised by a transaction-scoped lock, so two demotions at once cannot both see a second admin. */
    private Future<Void> requireAnotherAdmin(SqlConnection tx) {
        return repository.lockAdmins(tx).compose(v -> repository.countAdmins(tx)).compose(n -> n > 1 ? Future.succeededFuture()
                : Future.failedFuture(ServiceException.conflict(
                "this is the last admin; make another admin first", "user_role")));
    }

    private static void checkPassword(String password) {
        PasswordHasher.lengthProblem(password).ifPresent(problem -> {
            throw ServiceException.badRequest("user_password", problem);
        });
    }

    private static Role role(String wire) {
        return Role.fromWire(wire).orElseThrow(() ->
                ServiceException.badRequest("user_role", "must be one of admin, moderator, doctor, technician"));
    }

    private static UserFacts facts(UserRow row) {
        return new UserFacts(row.id().toString(), row.hospital(), row.role());
    }

    private static ServiceException noSuchUser(String userName) {
        return ServiceException.notFound("no user named '" + userName + "'");
    }

    /** A refusal, published for the audit trail; hidden rows answer exactly as missing ones. */
    private ServiceException deny(Actor actor, String action, String target, Decision decision) {
        vertx.eventBus().publish(Addresses.SECURITY_EVENTS_DENIED, new JsonObject()
                .put("actor", actor.toJson()).put("action", action)
                .put("target_type", "user").put("target_id", target)
                .put("status", decision.kind() == Decision.Kind.HIDDEN ? 404 : 403)
                .put("reason", decision.reason()).put("at", Instant.now().toString()));
        return decision.kind() == Decision.Kind.HIDDEN ? noSuchUser(target) : ServiceException.forbidden(decision.reason());
    }

    /**
     * Published after the commit (its audit row was written in the transaction, {@link #audited}); also tells
     * every node's token check to forget what it cached about this user.
     */
    private void changed(String action, Actor actor, UserRow user) {
        vertx.eventBus().publish(Addresses.USERS_EVENTS_CHANGED, changeEvent(action, actor, user));
    }

    /** The change's audit row, in the change's transaction: both commit or neither. */
    private static Future<UserRow> audited(SqlConnection tx, String action, Actor actor, UserRow user) {
        return AuditTrail.userChanged(tx, changeEvent(action, actor, user)).map(v -> user);
    }

    public static JsonObject changeEvent(String action, Actor actor, UserRow user) {
        return new JsonObject()
                .put("action", action).put("id", user.id().toString()).put("user_name", user.userName())
                .put("hospital", user.hospital()).put("role", user.role().wire())
                .put("actor", actor.toJson()).put("at", Instant.now().toString());
    }

    /**
     * A name or email already taken answers 409 with one wording whoever holds it, this hospital or another,
     * so the answer names no hospital; who holds it (their hospital) goes to the audit trail only.
     */
    private <T> Future<T> explainConflict(Throwable error, Actor actor, String action, String target,
                                          String userName, String email) {
        String field = DbErrors.isUniqueViolation(error, UserRepository.UNIQUE_NAME) ? "user_name"
                : DbErrors.isUniqueViolation(error, UserRepository.UNIQUE_EMAIL) ? "user_email" : null;
        if (field == null) {
            return Future.failedFuture(error);
        }
        ServiceException answer = ServiceException.conflict("this " + field + " cannot be used; choose another", field);
        return repository.hospitalOfConflict(pool, field.equals("user_name") ? userName : null,
                        field.equals("user_email") ? email : null)
                .transform(found -> {
                    String holder = found.succeeded() ? found.result().orElse("(gone)") : "(unknown)";
                    vertx.eventBus().publish(Addresses.SECURITY_EVENTS_DENIED, new JsonObject()
                            .put("actor", actor.toJson()).put("action", action)
                            .put("target_type", "user").put("target_id", target)
                            .put("status", 409)
                            .put("reason", field + " already taken by a user of "
                                    + (holder.equals(actor.hospital()) ? "the same hospital" : "hospital " + holder))
                            .put("at", Instant.now().toString()));
                    return Future.failedFuture(answer);
                });
    }
}
