package org.mriclassifier.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.mriclassifier.testing.ModelBundles;

@DisplayName("Serving models: a switched-away model closes after its last lease, never twice")
class ServingModelsTest {

    @Test
    @DisplayName("activation switches new leases at once; the old model, still leased, closes when its lease comes back; a late lease after close() closes nothing")
    void leases() {
        List<Runnable> closes = new ArrayList<>();
        Classifier first = Classifier.load(ModelBundles.copyWithVersion("first"), 1, 1);
        ServingModels models = new ServingModels(first, close -> {
            closes.add(close);
            close.run();
        });
        ServedModel inFlight = models.acquireActive();
        assertEquals("first", inFlight.version());

        ServedModel second = models.addAndAcquire(Classifier.load(ModelBundles.copyWithVersion("second"), 1, 1));
        assertEquals("first", models.activate(second));
        assertEquals("second", models.activeDescriptor().version());
        ServedModel next = models.acquireActive();
        assertEquals("second", next.version(), "a lease taken after the switch");
        assertEquals(0, closes.size(), "the old model is still in use");
        assertEquals(List.of("first", "second"), models.loadedVersions().stream().sorted().toList());

        // the in-flight classification ends on the old model, then it is closed
        inFlight.classifier().predict(new float[inFlight.descriptor().preprocessing().pixelsPerImage()], 1);
        models.release(inFlight);
        assertEquals(1, closes.size());
        assertEquals(List.of("second"), models.loadedVersions());

        // the same version loaded twice (two requests at once) is kept once
        ServedModel again = models.addAndAcquire(Classifier.load(ModelBundles.copyWithVersion("second"), 1, 1));
        assertEquals(next, again);
        assertEquals(2, closes.size(), "the duplicate load is closed");

        models.close();
        models.release(next);
        models.release(again);
        assertEquals(2, closes.size(), "close() closed it; the late releases close nothing again");
    }
}
