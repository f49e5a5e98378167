package org.mriclassifier.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Performance figures: Wilson intervals, AUC with ties and its Hanley-McNeil interval")
class PerformanceTest {

    @Test
    @DisplayName("Wilson 95% intervals match the published values: 3 of 4 is [0.3006, 0.9544], 0 of 10 is [0, 0.2775], 10 of 10 is [0.7225, 1]")
    void wilson() {
        double[] threeOfFour = Performance.wilson(3, 4);
        assertEquals(0.3006, threeOfFour[0], 1e-4);
        assertEquals(0.9544, threeOfFour[1], 1e-4);
        double[] noneOfTen = Performance.wilson(0, 10);
        assertEquals(0.0, noneOfTen[0], 1e-12);
        assertEquals(0.2775, noneOfTen[1], 1e-4);
        double[] allOfTen = Performance.wilson(10, 10);
        assertEquals(0.7225, allOfTen[0], 1e-4);
        assertEquals(1.0, allOfTen[1], 1e-12);
    }

    @Test
    @DisplayName("the Hanley-McNeil standard error of an AUC of 0.8 with 10 tumors and 10 healthy slices is 0.10198")
    void hanleyMcNeil() {
        assertEquals(0.10198, Performance.hanleyMcNeil(0.8, 10, 10), 1e-5);
    }

    private static Performance.Case c(boolean tumor, boolean predicted, double p) {
        return new Performance.Case("h", "female", tumor, predicted, p, false);
    }

    @Test
    @DisplayName("AUC counts a tie half: tumors at 0.9 and 0.5, healthy at 0.5 and 0.1 give 3.5 / 4 = 0.875")
    void aucWithTies() {
        JsonObject auc = Performance.auc(List.of(c(true, true, 0.9), c(true, true, 0.5), c(false, true, 0.5), c(false, false, 0.1)));
        assertEquals(0.875, auc.getDouble("value"), 1e-12);
        double se = Performance.hanleyMcNeil(0.875, 2, 2);
        assertEquals(Math.max(0, 0.875 - Performance.Z * se), auc.getDouble("low"), 1e-12);
        assertEquals(1.0, auc.getDouble("high"), 1e-12);
    }

    @Test
    @DisplayName("without tumors there is no sensitivity and no AUC (null, never 0); specificity and accuracy remain")
    void undefinedFiguresAreNull() {
        JsonObject f = Performance.figures(List.of(c(false, false, 0.2), c(false, true, 0.7)));
        assertNull(f.getValue("sensitivity"));
        assertNull(f.getValue("auc"));
        assertEquals(0.5, f.getJsonObject("specificity").getDouble("value"), 1e-12);
        assertEquals(0.5, f.getJsonObject("accuracy").getDouble("value"), 1e-12);
        assertEquals(2, f.getInteger("n"));
        assertEquals(1, f.getInteger("fp"));
    }
}
