package org.mriclassifier.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.mriclassifier.db.SecretFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bearer secret a Prometheus server scrapes {@code /metrics} with (tokens of users live 15 minutes; a scraper
 * needs one that lasts). Read like the token key: from configuration ({@code metrics.scrape_token},
 * MRI_METRICS_SCRAPE_TOKEN) or, when none is configured, generated on first start into
 * {@code <data dir>/metrics-scrape.token} (owner-only), which Prometheus can read as its {@code credentials_file}.
 * It opens {@code /metrics} and nothing else.
 */
public final class ScrapeToken {

    private static final Logger LOG = LoggerFactory.getLogger(ScrapeToken.class);
    public static final int MIN_LENGTH = 32;
    static final String FILE = "metrics-scrape.token";

    private final byte[] secret;

    private ScrapeToken(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** Blocking (file access): the configured token, or the data directory's, made on first use. */
    public static ScrapeToken resolve(String configured, Path dataDir) {
        if (configured != null && !configured.isBlank()) {
            return checked(configured.trim(), "the configured metrics scrape token (MRI_METRICS_SCRAPE_TOKEN / metrics.scrape_token)");
        }
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                return checked(Files.readString(file, StandardCharsets.UTF_8).trim(), "the metrics scrape token in " + file);
            }
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            SecretFiles.writeOwnerOnly(file, token);
            LOG.info("Generated a metrics scrape token in {}", file.toAbsolutePath());
            return new ScrapeToken(token);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the metrics scrape token " + file, e);
        }
    }

    private static ScrapeToken checked(String token, String what) {
        if (token.length() < MIN_LENGTH || !token.matches("[A-Za-z0-9._~+/=-]+")) {
            throw new IllegalStateException(what + " is too weak: it needs at least " + MIN_LENGTH
                    + " characters of base64 or similar (e.g. `openssl rand -base64 32`); refusing to start");
        }
        return new ScrapeToken(token);
    }

    /** Whether this Authorization header carries the scrape token (compared in constant time). */
    public boolean matches(String authorizationHeader) {
        if (authorizationHeader == null || authorizationHeader.length() < 8
                || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = authorizationHeader.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, secret);
    }
}
