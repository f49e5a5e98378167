package org.mriclassifier.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The promote-or-refuse rule of train --from-db")
class PromotionRuleTest {

    static JsonObject figures(double accuracy, Double sensitivity) {
        JsonObject f = new JsonObject().put("accuracy", new JsonObject().put("value", accuracy).put("low", 0.0).put("high", 1.0));
        return sensitivity == null ? f.putNull("sensitivity")
                : f.put("sensitivity", new JsonObject().put("value", sensitivity).put("low", 0.0).put("high", 1.0));
    }

    static JsonObject group(double activeAccuracy, double candidateAccuracy, Double activeSensitivity, Double candidateSensitivity) {
        return new JsonObject().put("n", 100).put("active", figures(activeAccuracy, activeSensitivity))
                .put("candidate", figures(candidateAccuracy, candidateSensitivity));
    }

    @Test
    @DisplayName("promoted: better on the target, the others within the margin (a small loss allowed)")
    void promotes() {
        Map<String, JsonObject> c = new LinkedHashMap<>();
        c.put("new-H", group(0.60, 0.90, 0.40, 0.88));
        c.put("old-H", group(0.95, 0.94, 0.96, 0.95));
        c.put("validation:shipped", group(0.98, 0.97, 0.99, 0.985));
        assertTrue(DatabaseTraining.decide(c, Set.of("new-H"), 0.0, 0.02));
        assertEquals("better", c.get("new-H").getString("verdict"));
        assertTrue(c.get("old-H").getString("verdict").startsWith("holds"));
    }

    @Test
    @DisplayName("refused: another hospital loses more accuracy than the margin, though the target gains")
    void refusesWhenOthersLoseAccuracy() {
        Map<String, JsonObject> c = new LinkedHashMap<>();
        c.put("new-H", group(0.60, 0.90, 0.40, 0.88));
        c.put("old-H", group(0.95, 0.90, 0.96, 0.95));
        assertFalse(DatabaseTraining.decide(c, Set.of("new-H"), 0.0, 0.02));
        assertTrue(c.get("old-H").getString("verdict").startsWith("worse beyond the margin"), c.get("old-H").encode());
    }

    @Test
    @DisplayName("refused: the shipped validation data keeps its accuracy but loses tumors beyond the margin")
    void refusesWhenSensitivityDrops() {
        Map<String, JsonObject> c = new LinkedHashMap<>();
        c.put("new-H", group(0.60, 0.90, 0.40, 0.88));
        c.put("validation:shipped", group(0.95, 0.95, 0.96, 0.90));
        assertFalse(DatabaseTraining.decide(c, Set.of("new-H"), 0.0, 0.02));
    }

    @Test
    @DisplayName("refused: another hospital keeps its accuracy and sensitivity but its healthy patients get more false alarms beyond the margin")
    void refusesWhenSpecificityDrops() {
        Map<String, JsonObject> c = new LinkedHashMap<>();
        c.put("new-H", group(0.60, 0.90, 0.40, 0.88));
        JsonObject old = group(0.984, 0.976, 0.978, 0.983);
        old.getJsonObject("active").put("specificity", new JsonObject().put("value", 1.0).put("low", 0.98).put("high", 1.0));
        old.getJsonObject("candidate").put("specificity", new JsonObject().put("value", 0.954).put("low", 0.92).put("high", 0.97));
        c.put("old-H", old);
        assertFalse(DatabaseTraining.decide(c, Set.of("new-H"), 0.0, 0.02));
        assertTrue(c.get("old-H").getString("verdict").contains("specificity -0.0460"), c.get("old-H").encode());
    }

    @Test
    @DisplayName("refused: no gain on the target, or a target without held-out rows")
    void refusesWithoutGainOrRows() {
        Map<String, JsonObject> same = new LinkedHashMap<>();
        same.put("new-H", group(0.90, 0.90, 0.90, 0.90));
        assertFalse(DatabaseTraining.decide(same, Set.of("new-H"), 0.0, 0.02));
        assertTrue(same.get("new-H").getString("verdict").startsWith("not better"));
        Map<String, JsonObject> missing = new LinkedHashMap<>();
        missing.put("old-H", group(0.90, 0.95, 0.90, 0.95));
        assertFalse(DatabaseTraining.decide(missing, Set.of("new-H"), 0.0, 0.02));
        assertEquals(0, missing.get("new-H").getInteger("n"));
    }
}
