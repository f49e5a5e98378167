package org.mriclassifier.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.mriclassifier.db.SecretFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HMAC key that signs tokens (HS256). From configuration (MRI_JWT_KEY: base64 or raw text) or, when none
 * is configured, 64 random bytes generated on first start and kept in {@code <data dir>/jwt.key}.
 *
 * <p>A configured key must have at least 256 bits (32 bytes) and must not be a short pattern repeated (the
 * empirical entropy of its bytes times its length must reach 128 bits; 32 random bytes give about 150).
 * Anything weaker stops start-up.
 */
public final class JwtKey {

    private static final Logger LOG = LoggerFactory.getLogger(JwtKey.class);
    public static final int MIN_BITS = 256;
    private static final int MIN_ESTIMATED_BITS = 128;
    private static final String KEY_FILE = "jwt.key";

    private JwtKey() {
    }

    public static byte[] resolve(String configured, Path dataDir) {
        if (configured != null && !configured.isBlank()) {
            byte[] key = decode(configured.trim());
            requireStrong(key);
            return key;
        }
        Path file = dataDir.resolve(KEY_FILE);
        try {
            if (Files.exists(file)) {
                byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.UTF_8).trim());
                requireStrong(key);
                return key;
            }
            byte[] key = new byte[64];
            new SecureRandom().nextBytes(key);
            SecretFiles.writeOwnerOnly(file, Base64.getEncoder().encodeToString(key));
            LOG.info("Generated a new token signing key in {}", file.toAbsolutePath());
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the token key " + file, e);
        }
    }

    /** Base64 (standard or URL-safe) when the text is that, its UTF-8 bytes otherwise. */
    static byte[] decode(String text) {
        if (text.matches("[A-Za-z0-9+/_-]{43,}={0,2}")) {
            try {
                return (text.contains("-") || text.contains("_") ? Base64.getUrlDecoder() : Base64.getDecoder())
                        .decode(text);
            } catch (IllegalArgumentException notBase64) {
                // fall through to raw text
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static void requireStrong(byte[] key) {
        double bits = estimatedBits(key);
        if (key.length * 8 < MIN_BITS) {
            throw new WeakKeyException("the configured token key (MRI_JWT_KEY / jwt.key) is too weak: it has "
                    + key.length * 8 + " bits and needs at least " + MIN_BITS
                    + " (e.g. `openssl rand -base64 48`); refusing to start");
        }
        if (bits < MIN_ESTIMATED_BITS) {
            throw new WeakKeyException("the configured token key (MRI_JWT_KEY / jwt.key) is too weak: it repeats a "
                    + "short pattern; use random bytes (e.g. `openssl rand -base64 48`); refusing to start");
        }
    }

    /** Shannon entropy of the byte distribution times the length: low for short or repeated patterns. */
    static double estimatedBits(byte[] key) {
        Map<Byte, Integer> counts = new HashMap<>();
        for (byte b : key) {
            counts.merge(b, 1, Integer::sum);
        }
        double perByte = 0;
        for (int c : counts.values()) {
            double p = (double) c / key.length;
            perByte -= p * (Math.log(p) / Math.log(2));
        }
        return perByte * key.length;
    }

    /** Start-up stops with this message. */
    public static final class WeakKeyException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        WeakKeyException(String message) {
            super(message);
        }
    }
}
