package org.mriclassifier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The upload budget: reserved as bytes arrive, shared fairly between users")
class UploadBudgetTest {

    private final UploadBudget budget = new UploadBudget(new UploadBudget.Limits(1_000, 2, 600, 2, 1, 1));

    @Test
    @DisplayName("an open upload holds nothing until its bytes arrive; one user's bytes stop at their share")
    void perUserShare() {
        UploadBudget.Upload a1 = budget.open("a");
        UploadBudget.Upload a2 = budget.open("a");
        assertEquals(0, budget.inUse());
        assertEquals(UploadBudget.Shortfall.NONE, a1.reserve(500));
        assertEquals(UploadBudget.Shortfall.USER, a2.reserve(200), "a holds 500 of its 600");
        UploadBudget.Upload b = budget.open("b");
        assertEquals(UploadBudget.Shortfall.NONE, b.reserve(450));
        assertEquals(UploadBudget.Shortfall.SERVER, b.reserve(100), "950 of 1000 in use");
        a1.close();
        assertEquals(450, budget.inUse());
        assertEquals(UploadBudget.Shortfall.NONE, a2.reserve(550));
    }

    @Test
    @DisplayName("a user's open uploads are capped while their bodies are read; a read body, or a closed upload, frees the slot once")
    void openUploads() {
        UploadBudget.Upload first = budget.open("a");
        UploadBudget.Upload second = budget.open("a");
        assertNull(budget.open("a"));
        assertNotNull(budget.open("b"), "other users are not affected");
        first.bodyRead();
        first.bodyRead();
        UploadBudget.Upload third = budget.open("a");
        assertNotNull(third);
        assertNull(budget.open("a"), "the second read did not free a second slot");
        first.close();
        assertNull(budget.open("a"), "closing a read upload frees no slot again");
        second.close();
        second.close();
        assertNotNull(budget.open("a"));
        assertEquals(0, budget.inUse());
    }
}
