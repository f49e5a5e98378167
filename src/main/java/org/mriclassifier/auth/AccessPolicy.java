package org.mriclassifier.auth;

import java.util.Optional;

/**
 * Who may do what, as in the roles table of the README (docs/ARCHITECTURE.md). Pure functions of the
 * actor and the row as the database holds it now; services call them as one named step before they act.
 *
 * <pre>
 * action                              admin                  moderator                  doctor         technician
 * users: create / change / delete     any hospital, any role own hospital, not admins   no             no
 * users: read                         any                    own hospital               own hospital   self
 * MRI: upload + classify              any                    own hospital               own hospital   own hospital
 * MRI: read                           any                    own hospital               own hospital   own hospital
 * MRI: change metadata / label        any                    own hospital               own hospital   no
 *   (also: the class given at upload)
 * MRI: delete                         any                    own hospital               no             no
 * own password (current one required) yes                    yes                        yes            yes
 * </pre>
 */
public final class AccessPolicy {

    private AccessPolicy() {
    }

    // ---- users -------------------------------------------------------------------------------------------

    /** The user row facts the policy needs. */
    public record UserFacts(String id, String hospital, Role role) {
    }

    public static Decision readUser(Actor actor, UserFacts target) {
        if (actor.isAdmin()) {
            return Decision.ALLOW;
        }
        if (!actor.sameHospital(target.hospital())) {
            return Decision.hidden("user of another hospital");
        }
        if (actor.role() == Role.TECHNICIAN && !target.id().equals(actor.id())) {
            return Decision.forbidden("technicians may only read their own user");
        }
        return Decision.ALLOW;
    }

    public static Decision createUser(Actor actor, String hospital, Role role) {
        return switch (actor.role()) {
            case ADMIN -> Decision.ALLOW;
            case MODERATOR -> !actor.sameHospital(hospital)
                    ? Decision.forbidden("moderators may only create users of their own hospital")
                    : role == Role.ADMIN ? Decision.forbidden("moderators may not create admins") : Decision.ALLOW;
            case DOCTOR, TECHNICIAN -> Decision.forbidden("only admins and moderators manage users");
        };
    }

    /**
     * Changing a user: {@code newHospital} and {@code newRole} are the values after the change (the current
     * ones when unchanged).
     */
    public static Decision changeUser(Actor actor, UserFacts target, String newHospital, Role newRole) {
        Decision visible = readUser(actor, target);
        if (visible.kind() == Decision.Kind.HIDDEN) {
            return visible;
        }
        return switch (actor.role()) {
            case ADMIN -> Decision.ALLOW;
            case MODERATOR -> target.role() == Role.ADMIN ? Decision.forbidden("moderators may not change admins")
                    : newRole == Role.ADMIN ? Decision.forbidden("moderators may not make admins")
                    : !actor.sameHospital(newHospital)
                    ? Decision.forbidden("moderators may not move users to another hospital")
                    : Decision.ALLOW;
            case DOCTOR, TECHNICIAN -> Decision.forbidden("only admins and moderators manage users");
        };
    }

    public static Decision deleteUser(Actor actor, UserFacts target) {
        return changeUser(actor, target, target.hospital(), target.role());
    }

    /**
     * Every user may change their own password (and nothing else about themselves unless their role manages
     * users); the service asks for the current password first.
     */
    public static boolean isOwnPasswordChange(Actor actor, UserFacts target, java.util.Set<String> changedFields) {
        return target.id().equals(actor.id()) && changedFields.contains("user_password")
                && changedFields.stream().allMatch(f -> f.equals("user_password") || f.equals("current_password"));
    }

    /**
     * The hospital every list is confined to, whatever filters it asks for: none for admins, their own for
     * everyone else (so a filter naming another hospital finds nothing, as if it had no rows).
     */
    public static Optional<String> hospitalScope(Actor actor) {
        return actor.isAdmin() ? Optional.empty() : Optional.of(actor.hospital());
    }

    /** Technicians list only themselves. */
    public static boolean listOnlySelf(Actor actor) {
        return actor.role() == Role.TECHNICIAN;
    }

    // ---- MRI rows --------------------------------------------------------------------------------------

    /** Uploading (and classifying) into a hospital: admins anywhere, everyone else into their own. */
    public static Decision uploadMri(Actor actor, String hospital) {
        return actor.isAdmin() || actor.sameHospital(hospital) ? Decision.ALLOW
                : Decision.forbidden("you may only add images to your own hospital");
    }

    public static Decision readMri(Actor actor, String rowHospital) {
        return actor.isAdmin() || actor.sameHospital(rowHospital) ? Decision.ALLOW
                : Decision.hidden("row of another hospital");
    }

    /**
     * The ground-truth class given with an upload is a label confirmation, which technicians may not make
     * afterwards either (see {@link #changeMri}): they upload without one.
     */
    public static Decision labelAtUpload(Actor actor) {
        return actor.role() == Role.TECHNICIAN
                ? Decision.forbidden("technicians may not set the ground-truth class; upload without it")
                : Decision.ALLOW;
    }

    /** Re-running the model on a stored row: whoever may read it and upload to its hospital. */
    public static Decision classifyMri(Actor actor, String rowHospital) {
        return readMri(actor, rowHospital);
    }

    /** Changing gender or ground truth: not technicians; moving a row to another hospital: admins only. */
    public static Decision changeMri(Actor actor, String rowHospital, String newHospital) {
        Decision visible = readMri(actor, rowHospital);
        if (!visible.allowed()) {
            return visible;
        }
        if (actor.role() == Role.TECHNICIAN) {
            return Decision.forbidden("technicians may not change rows");
        }
        if (!rowHospital.equals(newHospital) && !actor.isAdmin()) {
            return Decision.forbidden("only admins move rows to another hospital");
        }
        return Decision.ALLOW;
    }

    public static Decision deleteMri(Actor actor, String rowHospital) {
        Decision visible = readMri(actor, rowHospital);
        if (!visible.allowed()) {
            return visible;
        }
        return actor.isAdmin() || actor.role() == Role.MODERATOR ? Decision.ALLOW
                : Decision.forbidden("only admins and moderators delete rows");
    }
}
