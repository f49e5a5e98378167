package org.mriclassifier.training;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes exact duplicates (equal SHA-256) before any split, so no image sits on both sides of one. */
public final class Deduplicator {

    private static final Logger LOG = LoggerFactory.getLogger(Deduplicator.class);

    /**
     * @param kept               one sample per distinct content, first occurrence kept
     * @param removedCopies      copies dropped because an identical file (same label) came earlier
     * @param crossDatasetCopies of those, copies whose kept twin lies in another data set
     * @param conflictingContent distinct contents found under both labels: every copy dropped, the label is unknown
     */
    public record Result(List<Sample> kept, int removedCopies, int crossDatasetCopies, int conflictingContent) {
    }

    private Deduplicator() {
    }

    public static Result removeExactDuplicates(List<Sample> samples) {
        Map<String, List<Sample>> byContent = new LinkedHashMap<>();
        for (Sample sample : samples) {
            byContent.computeIfAbsent(sample.sha256(), k -> new ArrayList<>()).add(sample);
        }
        List<Sample> kept = new ArrayList<>(byContent.size());
        int removed = 0;
        int crossDataset = 0;
        int conflicting = 0;
        for (List<Sample> copies : byContent.values()) {
            Set<Label> labels = new HashSet<>();
            copies.forEach(copy -> labels.add(copy.label()));
            if (labels.size() > 1) {
                conflicting++;
                LOG.warn("Dropping {} copies of one image filed under both labels, e.g. {}", copies.size(), copies.get(0).file().path());
                continue;
            }
            Sample first = copies.get(0);
            kept.add(first);
            removed += copies.size() - 1;
            crossDataset += (int) copies.stream().skip(1).filter(copy -> !copy.dataset().equals(first.dataset())).count();
        }
        LOG.info("Exact duplicates: kept {} distinct images, removed {} copies ({} across data sets), {} contents with conflicting labels",
                kept.size(), removed, crossDataset, conflicting);
        return new Result(List.copyOf(kept), removed, crossDataset, conflicting);
    }
}
