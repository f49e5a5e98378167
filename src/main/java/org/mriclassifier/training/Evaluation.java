package org.mriclassifier.training;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.mriclassifier.inference.ValidationFigures;

/** Scores of a model on labelled samples, with the figures overall and per data set. */
public record Evaluation(List<Sample> samples, float[] scores, double threshold) {

    public BinaryMetrics overall() {
        return BinaryMetrics.of(labels(samples), scores, threshold);
    }

    /** Figures per data set folder, in name order. */
    public Map<String, BinaryMetrics> byDataset() {
        Map<String, BinaryMetrics> result = new LinkedHashMap<>();
        for (String dataset : new TreeSet<>(samples.stream().map(Sample::dataset).toList())) {
            List<Sample> subset = new ArrayList<>();
            List<Float> subsetScores = new ArrayList<>();
            for (int i = 0; i < samples.size(); i++) {
                if (samples.get(i).dataset().equals(dataset)) {
                    subset.add(samples.get(i));
                    subsetScores.add(scores[i]);
                }
            }
            float[] s = new float[subsetScores.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = subsetScores.get(i);
            }
            result.put(dataset, BinaryMetrics.of(labels(subset), s, threshold));
        }
        return result;
    }

    /** "all" plus one entry per data set when there are several, as stored in model.json. */
    public Map<String, ValidationFigures> figures(String description) {
        Map<String, ValidationFigures> figures = new LinkedHashMap<>();
        figures.put("all", toFigures(description, overall()));
        Map<String, BinaryMetrics> perDataset = byDataset();
        if (perDataset.size() > 1) {
            perDataset.forEach((dataset, metrics) -> figures.put(dataset, toFigures(description + ", " + dataset + " only", metrics)));
        }
        return figures;
    }

    public int[] labels() {
        return labels(samples);
    }

    static int[] labels(List<Sample> samples) {
        return samples.stream().mapToInt(s -> s.label().value()).toArray();
    }

    static ValidationFigures toFigures(String description, BinaryMetrics m) {
        return new ValidationFigures(description, m.n(), m.accuracy(), m.precision(), m.recall(), m.f1(),
                Double.isNaN(m.auc()) ? null : m.auc(), m.tp(), m.tn(), m.fp(), m.fn());
    }
}
