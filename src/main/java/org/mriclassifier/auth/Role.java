package org.mriclassifier.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The four roles of the seed project. Their wire form is the lower-case name. */
public enum Role {
    ADMIN, MODERATOR, DOCTOR, TECHNICIAN;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> fromWire(String value) {
        return Arrays.stream(values()).filter(r -> r.wire().equals(value)).findFirst();
    }
}
