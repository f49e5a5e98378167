package org.mriclassifier.auth;

/**
 * The outcome of a policy check. {@code HIDDEN} is a refusal that must look exactly like "no such row":
 * rows of another hospital are invisible, not forbidden.
 */
public record Decision(Kind kind, String reason) {

    public enum Kind { ALLOW, FORBIDDEN, HIDDEN }

    public static final Decision ALLOW = new Decision(Kind.ALLOW, null);

    public static Decision forbidden(String reason) {
        return new Decision(Kind.FORBIDDEN, reason);
    }

    public static Decision hidden(String reason) {
        return new Decision(Kind.HIDDEN, reason);
    }

    public boolean allowed() {
        return kind == Kind.ALLOW;
    }
}
