package org.mriclassifier.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.mriclassifier.inference.ModelDescriptors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Grid or random search over training options, each candidate scored on the sources it never trained on
 * ({@code train --leave-out}): the search selects for being right at a new hospital, not for in-distribution
 * figures. Candidates are trained one after another in this process; each writes its own folder, so an interrupted
 * search resumes where it stopped. The table is written as JSON and Markdown after every candidate.
 */
@Command(name = "tune", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Grid or random search over train options, scored leave-one-source-out; resumable. "
                + "Usage: tune --out DIR --grid learning-rate=0.001,0.003 --grid intensity=none,strong -- <train options with --leave-out>")
public final class TuneCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(TuneCommand.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a candidate is scored from its loso-report.json, higher is better. */
    enum Objective { auc, sensitivityAtSpecificity90, specificityAtSensitivity95, balanced }

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Search folder: one sub-folder per candidate, tune.json, tune.md.")
    Path out;

    @Option(names = "--grid", required = true, paramLabel = "OPTION=V1,V2,...",
            description = "A train option (without its dashes) and the values to try; repeatable. 'true'/'false' "
                    + "for a flag (--standardize, --fine-tune) adds it or leaves it out.")
    List<String> grid;

    @Option(names = "--random", paramLabel = "N", description = "Try N candidates drawn from the grid instead of all of it.")
    Integer random;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the --random draw (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--objective", defaultValue = "auc",
            description = "Score per left-out source, averaged over sources: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; "
                    + "balanced = mean of sensitivity and specificity at the model's threshold).")
    Objective objective;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    @Parameters(paramLabel = "TRAIN-OPTIONS", description = "After --: the train options every candidate shares (with --leave-out).")
    List<String> trainOptions = new ArrayList<>();

    /** One point of the space: option name to value, in --grid order. */
    record Candidate(int index, Map<String, String> values) {
    }

    @Override
    public Integer call() throws IOException {
        PrintStream console = System.out;
        if (trainOptions.stream().noneMatch(o -> o.equals("--leave-out") || o.startsWith("--leave-out="))) {
            throw new IllegalArgumentException("tune scores candidates on a left-out source: give --leave-out DIR among the train options after --");
        }
        if (trainOptions.stream().anyMatch(o -> o.equals("--out") || o.startsWith("--out="))) {
            throw new IllegalArgumentException("tune chooses each candidate's --out inside its own --out");
        }
        List<Candidate> candidates = candidates();
        Files.createDirectories(out);
        List<Map<String, Object>> rows = new ArrayList<>();
        long started = System.nanoTime();
        int trainedNow = 0;
        for (Candidate candidate : candidates) {
            Path dir = out.resolve(String.format(Locale.ROOT, "candidate-%03d", candidate.index()));
            Path report = dir.resolve("loso-report.json");
            if (!Files.isRegularFile(report)) {
                deleteIfPartial(dir);
                List<String> args = new ArrayList<>(trainOptions);
                candidate.values().forEach((option, value) -> addOption(args, option, value));
                args.add("--out");
                args.add(dir.toString());
                LOG.info("Candidate {}/{}: {}", candidate.index(), candidates.size(), candidate.values());
                int exit = new CommandLine(new TrainCommand()).execute(args.toArray(String[]::new));
                if (exit != 0 || !Files.isRegularFile(report)) {
                    LOG.warn("Candidate {} failed (exit {}); it is tabled as failed and retried on the next run", candidate.index(), exit);
                }
                trainedNow++;
            } else {
                LOG.info("Candidate {}/{} already done: {}", candidate.index(), candidates.size(), candidate.values());
            }
            rows.add(row(candidate, report));
            long left = candidates.size() - candidate.index();
            double perCandidate = trainedNow == 0 ? 0 : (System.nanoTime() - started) / 1e9 / trainedNow;
            console.printf(Locale.ROOT, "[%d/%d] %s -> %s; about %s left%n", candidate.index(), candidates.size(), candidate.values(),
                    rows.get(rows.size() - 1).get("score"), trainedNow == 0 ? "?" : duration(perCandidate * left));
            write(rows, candidates.size());
        }
        List<Map<String, Object>> ranked = ranked(rows);
        console.println("Best: " + (ranked.isEmpty() ? "none" : ranked.get(0)));
        return 0;
    }

    List<Candidate> candidates() {
        List<String> names = new ArrayList<>();
        List<List<String>> values = new ArrayList<>();
        for (String entry : grid) {
            int eq = entry.indexOf('=');
            if (eq < 1 || eq == entry.length() - 1) {
                throw new IllegalArgumentException("--grid " + entry + ": expected OPTION=V1,V2,...");
            }
            names.add(entry.substring(0, eq).replaceFirst("^--", ""));
            values.add(List.of(entry.substring(eq + 1).split(",")));
        }
        List<Map<String, String>> points = new ArrayList<>();
        points.add(new LinkedHashMap<>());
        for (int d = 0; d < names.size(); d++) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> point : points) {
                for (String value : values.get(d)) {
                    Map<String, String> extended = new LinkedHashMap<>(point);
                    extended.put(names.get(d), value.strip());
                    next.add(extended);
                }
            }
            points = next;
        }
        if (random != null && random < points.size()) {
            // the same seed draws the same candidates, so a resumed random search continues the same search
            Collections.shuffle(points, new Random(seed));
            points = points.subList(0, random);
        }
        List<Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            candidates.add(new Candidate(i + 1, points.get(i)));
        }
        return candidates;
    }

    private static void addOption(List<String> args, String option, String value) {
        if (value.equalsIgnoreCase("true")) {
            args.add("--" + option);
        } else if (!value.equalsIgnoreCase("false")) {
            args.add("--" + option);
            args.add(value);
        }
    }

    private Map<String, Object> row(Candidate candidate, Path report) throws IOException {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("candidate", candidate.index());
        row.put("values", candidate.values());
        if (!Files.isRegularFile(report)) {
            row.put("status", "failed");
            row.put("score", null);
            return row;
        }
        JsonNode loso = JSON.readTree(report.toFile());
        List<Double> scores = new ArrayList<>();
        Map<String, Object> bySource = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = loso.get("bySource").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> source = it.next();
            JsonNode f = source.getValue();
            Double score = score(f);
            if (score != null) {
                scores.add(score);
            }
            Map<String, Object> figures = new LinkedHashMap<>();
            for (String key : List.of("n", "sensitivity", "specificity", "auc", "sensitivityAtSpecificity90", "ece", "unfamiliar")) {
                figures.put(key, f.hasNonNull(key) ? f.get(key).numberValue() : null);
            }
            bySource.put(source.getKey(), figures);
        }
        row.put("status", "done");
        row.put("score", scores.isEmpty() ? null : Reports.mean(scores));
        row.put("bySource", bySource);
        row.put("keptEpoch", loso.path("keptEpoch").asInt());
        row.put("secondsPerEpoch", loso.path("secondsPerEpoch").asDouble());
        row.put("multiplyAdds", loso.path("multiplyAddsPerImage").asLong());
        return row;
    }

    private Double score(JsonNode f) {
        return switch (objective) {
            case auc -> f.hasNonNull("auc") ? f.get("auc").asDouble() : null;
            case sensitivityAtSpecificity90 -> f.hasNonNull("sensitivityAtSpecificity90") ? f.get("sensitivityAtSpecificity90").asDouble() : null;
            case specificityAtSensitivity95 -> f.hasNonNull("specificityAtSensitivity95") ? f.get("specificityAtSensitivity95").asDouble() : null;
            case balanced -> {
                // a source of one class (a folder of tumors) is scored on the rate it has
                List<Double> rates = new ArrayList<>();
                if (f.hasNonNull("sensitivity")) {
                    rates.add(f.get("sensitivity").asDouble());
                }
                if (f.hasNonNull("specificity")) {
                    rates.add(f.get("specificity").asDouble());
                }
                yield rates.isEmpty() ? null : Reports.mean(rates);
            }
        };
    }

    private static List<Map<String, Object>> ranked(List<Map<String, Object>> rows) {
        List<Map<String, Object>> done = new ArrayList<>(rows.stream().filter(r -> r.get("score") != null).toList());
        done.sort((a, b) -> Double.compare((Double) b.get("score"), (Double) a.get("score")));
        return done;
    }

    private void write(List<Map<String, Object>> rows, int planned) throws IOException {
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("command", Reports.commandLine("tune", commandSpec.commandLine().getParseResult().originalArgs()));
        table.put("grid", grid);
        table.put("random", random);
        table.put("seed", seed);
        table.put("objective", objective.name());
        table.put("trainOptions", trainOptions);
        table.put("planned", planned);
        table.put("done", rows.stream().filter(r -> "done".equals(r.get("status"))).count());
        table.put("candidates", rows);
        table.put("updatedAt", Instant.now().toString());
        ModelDescriptors.mapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("tune.json").toFile(), table);

        StringBuilder md = new StringBuilder();
        md.append("# Search: ").append(objective).append(" on the left-out source(s), best first\n\n");
        md.append("Train options shared by every candidate: `").append(String.join(" ", trainOptions)).append("`\n\n");
        md.append("| rank | candidate | ").append(String.join(" | ", gridNames())).append(" | score | per source (n, sensitivity, specificity, AUC) | kept epoch |\n");
        md.append("|---|---|").append("---|".repeat(gridNames().size())).append("---|---|---|\n");
        int rank = 1;
        List<Map<String, Object>> ordered = new ArrayList<>(ranked(rows));
        rows.stream().filter(r -> r.get("score") == null).forEach(ordered::add);
        for (Map<String, Object> r : ordered) {
            @SuppressWarnings("unchecked")
            Map<String, String> values = (Map<String, String>) r.get("values");
            md.append("| ").append(r.get("score") == null ? "-" : String.valueOf(rank++)).append(" | ").append(r.get("candidate")).append(" | ");
            for (String name : gridNames()) {
                md.append(values.get(name)).append(" | ");
            }
            md.append(r.get("score") == null ? r.get("status") : fmt((Double) r.get("score"))).append(" | ");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> bySource = (Map<String, Map<String, Object>>) r.getOrDefault("bySource", Map.of());
            List<String> parts = new ArrayList<>();
            bySource.forEach((source, f) -> parts.add(Path.of(source).getFileName() + ": " + f.get("n") + ", " + fmt(f.get("sensitivity"))
                    + ", " + fmt(f.get("specificity")) + ", " + fmt(f.get("auc"))));
            md.append(String.join("; ", parts)).append(" | ").append(r.getOrDefault("keptEpoch", "-")).append(" |\n");
        }
        Files.writeString(out.resolve("tune.md"), md);
    }

    private List<String> gridNames() {
        return grid.stream().map(g -> g.substring(0, Math.max(0, g.indexOf('='))).replaceFirst("^--", "")).toList();
    }

    private static String fmt(Object value) {
        return value instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : "-";
    }

    /** A candidate folder without its report was interrupted mid-training: start it again from nothing. */
    private static void deleteIfPartial(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (var paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? (s / 3600) + " h " + (s % 3600 / 60) + " min" : s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
    }
}
