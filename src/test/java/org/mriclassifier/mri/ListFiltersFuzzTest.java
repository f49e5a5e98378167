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
 * {@code to}). Each gives a value the database can compare with (PostgreSQL's timestamptz range), or a 400
 * naming the parameter. A cursor the server wrote reads back as the same position.
 */
class ListFiltersFuzzTest {

    /** PostgreSQL's timestamptz: 4713 BC to 294276 AD; a value outside it is a database error, a 500. */
    static final OffsetDateTime PG_MIN = OffsetDateTime.of(-4712, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    static final OffsetDateTime PG_MAX = OffsetDateTime.of(294276, 12, 31, 23, 59, 59, 0, ZoneOffset.UTC);

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
            assertTrue(storable(cursor.createdAt()), () -> "cursor " + text + " decodes to " + cursor.createdAt()
                    + ", which PostgreSQL cannot compare with");
        } catch (ServiceException refused) {
            assertEquals(400, refused.status());
            assertEquals("cursor", refused.field());
            Promise.clearRefusal(refused, text);
        }
        try {
            OffsetDateTime from = Times.parseOrNull(text, "from");
            assertTrue(storable(from), () -> "from=" + text + " parses to " + from + ", which PostgreSQL cannot compare with");
        } catch (ServiceException refused) {
            assertEquals(400, refused.status());
            assertEquals("from", refused.field());
            Promise.clearRefusal(refused, text);
        }
    }

    private static boolean storable(OffsetDateTime at) {
        return !at.isBefore(PG_MIN) && !at.isAfter(PG_MAX);
    }
}
