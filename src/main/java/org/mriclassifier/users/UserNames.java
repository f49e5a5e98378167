package org.mriclassifier.users;

import java.text.Normalizer;
import java.util.Locale;

/**
 * When two user names are the same name: after Unicode compatibility normalisation (NFKC), case folding, and
 * without the separators a name may contain (dot, dash, underscore). So {@code Admin}, {@code admin.},
 * {@code ad_min} and {@code ａｄｍｉｎ} (full width) all are {@code admin}, and only one of them can exist. The
 * database enforces it: {@code users.user_name_key} holds {@link #key} and is unique.
 */
public final class UserNames {

    private UserNames() {
    }

    public static String key(String userName) {
        String normalised = Normalizer.normalize(userName, Normalizer.Form.NFKC);
        // upper then lower: Java's nearest to full case folding (ß → SS → ss, ſ → S → s)
        String folded = normalised.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
        folded = Normalizer.normalize(folded, Normalizer.Form.NFKC);
        StringBuilder key = new StringBuilder(folded.length());
        folded.codePoints().filter(c -> c != '.' && c != '-' && c != '_').forEach(key::appendCodePoint);
        return key.toString();
    }
}
