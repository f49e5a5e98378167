package org.mriclassifier.mri;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.UUID;
import org.mriclassifier.bus.ServiceException;

/**
 * List cursors: the position of a page's last row in the newest-first order (creation time in microseconds,
 * id), as opaque base64url text. Rows added meanwhile never shift a page, unlike offsets.
 */
final class Cursors {

    private Cursors() {
    }

    static String encode(OffsetDateTime createdAt, UUID id) {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, createdAt.toInstant());
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((micros + ":" + id).getBytes(StandardCharsets.US_ASCII));
    }

    static MriRepository.Cursor decode(String cursor) {
        if (cursor == null) {
            return null;
        }
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII).split(":");
            Instant at = Instant.EPOCH.plus(Long.parseLong(parts[0]), ChronoUnit.MICROS);
            return new MriRepository.Cursor(OffsetDateTime.ofInstant(at, ZoneOffset.UTC), UUID.fromString(parts[1]));
        } catch (RuntimeException e) {
            throw ServiceException.badRequest("cursor", "is not a cursor this server issued");
        }
    }
}
