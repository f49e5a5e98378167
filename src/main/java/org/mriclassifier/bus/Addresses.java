package org.mriclassifier.bus;

/**
 * Every event-bus address of the server, in one place. Lower case, dotted, by domain. Commands are
 * request/reply (one consumer answers); {@code *.events.*} are published to whoever listens.
 */
public final class Addresses {

    private Addresses() {
    }

    // auth: login and the current state of a token's user
    public static final String AUTH_LOGIN = "auth.login";
    public static final String AUTH_PRINCIPAL = "auth.principal";

    // users: CRUD commands
    public static final String USERS_CREATE = "users.create";
    public static final String USERS_GET = "users.get";
    public static final String USERS_LIST = "users.list";
    public static final String USERS_UPDATE = "users.update";
    public static final String USERS_DELETE = "users.delete";

    // events (publish): each carries who, what, which row, when, from where, outcome
    public static final String USERS_EVENTS_CHANGED = "users.events.changed";
    public static final String AUTH_EVENTS_LOGIN = "auth.events.login";
    public static final String SECURITY_EVENTS_DENIED = "security.events.denied";
}
