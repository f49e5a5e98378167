package org.mriclassifier.auth;

import io.vertx.core.json.JsonObject;

/**
 * Who is asking: the authenticated user as the database knows them now (not as the token said when it was
 * issued), and where the request came from. Crosses the event bus as JSON inside each command.
 */
public record Actor(String id, String userName, Role role, String hospital, String address, String requestId) {

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    public boolean sameHospital(String otherHospital) {
        return hospital.equals(otherHospital);
    }

    public JsonObject toJson() {
        return new JsonObject()
                .put("id", id)
                .put("user_name", userName)
                .put("role", role.wire())
                .put("hospital", hospital)
                .put("address", address)
                .put("request_id", requestId);
    }

    public static Actor fromJson(JsonObject json) {
        return new Actor(json.getString("id"), json.getString("user_name"),
                Role.fromWire(json.getString("role")).orElseThrow(() -> new IllegalArgumentException("unknown role")),
                json.getString("hospital"), json.getString("address"), json.getString("request_id"));
    }

    /** The server itself, for work it does on its own behalf (first start, imports). */
    public static Actor system(String what) {
        return new Actor(null, "system:" + what, Role.ADMIN, "*", "local", null);
    }
}
