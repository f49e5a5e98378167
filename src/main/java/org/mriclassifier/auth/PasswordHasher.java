package org.mriclassifier.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Optional;

/**
 * bcrypt, cost 12 or more. Blocking (about a quarter of a second at cost 12): callers run it on a worker.
 *
 * <p>bcrypt reads only the first 72 bytes of a password. Longer passwords are refused when they are set
 * ({@link #lengthProblem}) and never truncated, so two passwords that share 72 bytes never both work.
 */
public final class PasswordHasher {

    public static final int MIN_COST = 12;
    public static final int MAX_PASSWORD_BYTES = 72;
    public static final int MIN_PASSWORD_CHARS = 8;
    private static final BCrypt.Version VERSION = BCrypt.Version.VERSION_2B;

    private final int cost;
    private final BCrypt.Hasher hasher;
    private final BCrypt.Verifyer verifyer;
    /** Verified against when the account does not exist, so both answers take the same time. */
    private final String decoyHash;

    public PasswordHasher(int cost) {
        if (cost < MIN_COST || cost > 31) {
            throw new IllegalArgumentException("auth.bcrypt_cost must be between " + MIN_COST + " and 31, got " + cost);
        }
        this.cost = cost;
        this.hasher = BCrypt.with(VERSION, new SecureRandom(), LongPasswordStrategies.strict(VERSION));
        this.verifyer = BCrypt.verifyer(VERSION, LongPasswordStrategies.strict(VERSION));
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        this.decoyHash = hash(java.util.Base64.getEncoder().encodeToString(random));
    }

    public int cost() {
        return cost;
    }

    /** Why this password cannot be set, if it cannot. */
    public static Optional<String> lengthProblem(String password) {
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            return Optional.of("must be at most " + MAX_PASSWORD_BYTES + " bytes in UTF-8 (bcrypt ignores the rest)");
        }
        if (password.codePointCount(0, password.length()) < MIN_PASSWORD_CHARS) {
            return Optional.of("must be at least " + MIN_PASSWORD_CHARS + " characters");
        }
        return Optional.empty();
    }

    public String hash(String password) {
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            throw new IllegalArgumentException("password over " + MAX_PASSWORD_BYTES + " bytes");
        }
        return new String(hasher.hash(cost, password.getBytes(StandardCharsets.UTF_8)), StandardCharsets.US_ASCII);
    }

    /** True when the password matches; a password bcrypt could not have hashed never matches. */
    public boolean verify(String password, String hash) {
        byte[] bytes = password.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_PASSWORD_BYTES) {
            verifyer.verify(new byte[0], decoyHash.getBytes(StandardCharsets.US_ASCII));
            return false;
        }
        return verifyer.verify(bytes, hash.getBytes(StandardCharsets.US_ASCII)).verified;
    }

    /** Spends the time of one verification, for an account that does not exist. */
    public void verifyDecoy(String password) {
        verify(password, decoyHash);
    }

    /** A hash made with a lower cost than today's should be replaced at the next successful login. */
    public boolean needsRehash(String hash) {
        try {
            return Integer.parseInt(hash.substring(4, 6)) < cost;
        } catch (RuntimeException e) {
            return true;
        }
    }
}
