package org.mriclassifier.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import org.mriclassifier.testing.Promise;

/**
 * The If-Match parser on any header text and row version: a change goes ahead exactly when the header is
 * {@code *} or lists the row's strong tag (RFC 9110 13.1.1, a weak tag never matches); otherwise 412 naming
 * the current tag. Nothing else: no other exception, whatever the header holds.
 */
class EntityTagsFuzzTest {

    @FuzzTest(maxDuration = "6s")
    void ifMatchGoesAheadExactlyWhenItNamesTheCurrentTag(FuzzedDataProvider data) {
        int version = data.consumeInt(0, Integer.MAX_VALUE);
        String ifMatch = data.consumeRemainingAsString();
        String current = EntityTags.of(version);
        boolean expected = ifMatch.trim().equals("*")
                || Arrays.stream(ifMatch.split(",", -1)).map(String::trim).anyMatch(current::equals);
        try {
            EntityTags.requireCurrent(ifMatch, version);
            assertTrue(expected, () -> "If-Match " + ifMatch + " let a change through at version " + version);
        } catch (ServiceException refused) {
            assertEquals(412, refused.status());
            assertTrue(!expected, () -> "If-Match " + ifMatch + " refused at version " + version);
            assertTrue(refused.getMessage().contains(current), "the refusal names the current tag");
            Promise.clearRefusal(refused, ifMatch);
        }
    }
}
