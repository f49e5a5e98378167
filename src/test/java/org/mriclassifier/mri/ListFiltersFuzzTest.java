package org.mriclassifier.mri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.testing.Promise;

/**
 * The list's own parsers on any text: the cursor ({@code cursor}) and the date-time filters ({@code from},
 * {@code to}). Each gives a value or a 400 naming the parameter, never another exception; a cursor the server
 * wrote reads back as the same position. (Values far outside PostgreSQL's range are the database client's
 * business: HttpInputsFuzzTest keeps a cursor of the year -290308 and a {@code from} of the year 300000 that
 * the server answers 200 and 400.)
 */
class ListFiltersFuzzTest {

    @FuzzTest(maxDuration = "6s")
    void cursorsAndTimesParseToComparableValuesOrAre400(FuzzedDataProvider data) {
        // a cursor the server issued (rows are created now(), so within the years 1678-2261 that Instant.until
        // counts in nanoseconds without overflow) reads back unchanged
        long micros = data.consumeLong(-9L * 1_000_000_000_000_000L, 9L * 1_000_000_000_000_000L);
        UUID id = new UUID(data.consumeLong(), data.consumeLong());
        OffsetDateTime createdAt = OffsetDateTime.ofInstant(Instant.EPOCH.plus(micros, ChronoUnit.MICROS), ZoneOffset.UTC);
        MriRepository.Cursor issued = Cursors.decode(Cursors.encode(createdAt, id));
        assertEquals(createdAt, issued.createdAt());
        assertEquals(id, issued.id());

        String text = data.consumeRemainingAsString();
        try {
            MriRepository.Cursor cursor = Cursors.decode(text);
            assertTrue(cursor.createdAt() != null && cursor.id() != null, "a position: a time and an id");
        } catch (ServiceException refused) {
            assertEquals(400, refused.status());
            assertEquals("cursor", refused.field());
            Promise.clearRefusal(refused, text);
        }
        try {
            assertTrue(Times.parseOrNull(text, "from") != null, "a time");
        } catch (ServiceException refused) {
            assertEquals(400, refused.status());
            assertEquals("from", refused.field());
            Promise.clearRefusal(refused, text);
        }
    }
}
