package org.mriclassifier.training;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Text the commands print: readable blocks, and one JSON object per run for scripts. */
public final class Reports {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Reports() {
    }

    public static String metricsBlock(String title, BinaryMetrics m) {
        return String.format(Locale.ROOT, """
                %s
                  images %d   (tumor %d, healthy %d)
                  confusion matrix      predicted tumor  predicted healthy
                    actual tumor        TP %-13d FN %d
                    actual healthy      FP %-13d TN %d
                  accuracy %.4f  sensitivity %s  specificity %s  precision %.4f  F1 %.4f  ROC AUC %s  (threshold %.3f)
                """, title, m.n(), m.tp() + m.fn(), m.tn() + m.fp(), m.tp(), m.fn(), m.fp(), m.tn(),
                m.accuracy(), orNone(m.sensitivity(), "no tumors"), orNone(m.specificity(), "no healthy"), m.precision(), m.f1(),
                orNone(m.auc(), "undefined (one class)"), m.threshold());
    }

    private static String orNone(double value, String none) {
        return Double.isNaN(value) ? none : String.format(Locale.ROOT, "%.4f", value);
    }

    /** The figures the JSON line and model.json share, NaN AUC as null. */
    public static Map<String, Object> metricsMap(BinaryMetrics m) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("n", m.n());
        map.put("accuracy", m.accuracy());
        map.put("f1", m.f1());
        map.put("precision", m.precision());
        map.put("recall", m.recall());
        map.put("sensitivity", Double.isNaN(m.sensitivity()) ? null : m.sensitivity());
        map.put("specificity", Double.isNaN(m.specificity()) ? null : m.specificity());
        map.put("auc", Double.isNaN(m.auc()) ? null : m.auc());
        map.put("tp", m.tp());
        map.put("tn", m.tn());
        map.put("fp", m.fp());
        map.put("fn", m.fn());
        return map;
    }

    public static String json(Map<String, ?> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("maps of numbers and strings always serialise", e);
        }
    }

    public static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Sample standard deviation (n-1), the spread of a few folds. */
    public static double std(List<Double> values) {
        if (values.size() < 2) {
            return 0;
        }
        double mean = mean(values);
        double sum = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        return Math.sqrt(sum / (values.size() - 1));
    }

    /** The command line as typed, arguments with spaces quoted, with the determinism switch when it was on. */
    public static String commandLine(String command, List<String> args) {
        StringBuilder line = new StringBuilder(DeterministicOps.enabled() ? DeterministicOps.ENV + "=1 " : "")
                .append("java -jar target/mri-classifier.jar ").append(command);
        // picocli's original arguments start with the subcommand's name when it ran through Main
        List<String> options = !args.isEmpty() && args.get(0).equals(command) ? args.subList(1, args.size()) : args;
        for (String arg : options) {
            line.append(' ').append(arg.contains(" ") ? "'" + arg + "'" : arg);
        }
        return line.toString();
    }
}
