package org.mriclassifier.training;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.mriclassifier.db.DatabaseTarget;
import org.mriclassifier.inference.Classifier;
import org.mriclassifier.models.Performance;
import org.mriclassifier.vision.ImageDecodeException;
import org.mriclassifier.vision.PreprocessSpec;
import org.mriclassifier.vision.Preprocessed;
import org.mriclassifier.vision.Preprocessor;
import org.opencv.core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code train --from-db}: the confirmed rows of the configured database as training samples, the comparison of a
 * candidate with the active model per hospital (and on labelled folders), the promote-or-refuse rule, and the
 * promotion through the registry's tables. Blocking (a command, not the server).
 */
public final class DatabaseTraining {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseTraining.class);

    /** A confirmed row: its sample (preprocessed for the candidate) and its bytes (for the active model's own preprocessing). */
    public record Row(Sample sample, String hospital, byte[] bytes) {
    }

    private DatabaseTraining() {
    }

    /** Confirmed rows (class set by a person), every hospital, as samples preprocessed with {@code spec}. */
    public static List<Row> confirmedRows(DatabaseTarget db, PreprocessSpec spec) throws SQLException {
        List<Row> rows = new ArrayList<>();
        int skipped = 0;
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.jdbcProperties());
             PreparedStatement s = c.prepareStatement("""
                     SELECT m.id, m.hospital, m.label, i.bytes FROM mri m JOIN mri_image i ON i.mri_id = m.id
                     WHERE m.class_confirmed AND m.label IS NOT NULL ORDER BY m.hospital, m.image_sha256""")) {
            s.setFetchSize(256);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String hospital = rs.getString("hospital");
                    byte[] bytes = rs.getBytes("bytes");
                    Label label = "tumor".equals(rs.getString("label")) ? Label.TUMOR : Label.HEALTHY;
                    ImageFile file = new ImageFile(Path.of("db", hospital, rs.getObject("id", UUID.class).toString()), "db:" + hospital, label);
                    Optional<Sample> sample = sample(file, bytes, spec);
                    if (sample.isPresent()) {
                        rows.add(new Row(sample.get(), hospital, bytes));
                    } else {
                        skipped++;
                    }
                }
            }
        }
        LOG.info("Read {} confirmed rows from the database ({} undecodable skipped)", rows.size(), skipped);
        return rows;
    }

    static Optional<Sample> sample(ImageFile file, byte[] bytes, PreprocessSpec spec) {
        Mat bgr;
        try {
            bgr = Preprocessor.decode(bytes);
        } catch (ImageDecodeException e) {
            return Optional.empty();
        }
        try {
            Preprocessed p = Preprocessor.preprocess(bgr, spec);
            return Optional.of(new Sample(file, DatasetLoader.sha256(bytes), PerceptualHash.of(bgr), p.pixels(), p.notASlice(), p.colourfulness()));
        } finally {
            bgr.release();
        }
    }

    /** A labelled image to compare the two models on: its group (a hospital or a validation folder) and its bytes. */
    public record Probe(String group, boolean tumor, byte[] bytes) {
    }

    /** Both models' figures on each group. */
    public static Map<String, JsonObject> compare(Classifier active, Classifier candidate, List<Probe> probes) {
        Map<String, List<Probe>> groups = new TreeMap<>();
        probes.forEach(p -> groups.computeIfAbsent(p.group(), g -> new ArrayList<>()).add(p));
        Map<String, JsonObject> out = new LinkedHashMap<>();
        groups.forEach((group, list) -> out.put(group, new JsonObject()
                .put("n", list.size())
                .put("active", Performance.figures(cases(active, list)))
                .put("candidate", Performance.figures(cases(candidate, list)))));
        return out;
    }

    private static List<Performance.Case> cases(Classifier model, List<Probe> probes) {
        PreprocessSpec spec = model.descriptor().preprocessing();
        double threshold = model.descriptor().decisionThreshold();
        List<Performance.Case> cases = new ArrayList<>();
        int batch = 32;
        for (int from = 0; from < probes.size(); from += batch) {
            List<Probe> part = probes.subList(from, Math.min(probes.size(), from + batch));
            List<Preprocessed> inputs = new ArrayList<>();
            List<Probe> kept = new ArrayList<>();
            for (Probe p : part) {
                try {
                    inputs.add(Preprocessor.preprocess(p.bytes(), spec));
                    kept.add(p);
                } catch (RuntimeException e) {
                    LOG.warn("A comparison image could not be preprocessed: {}", e.getMessage());
                }
            }
            if (kept.isEmpty()) {
                continue;
            }
            int per = spec.pixelsPerImage();
            float[] pixels = new float[kept.size() * per];
            for (int i = 0; i < kept.size(); i++) {
                System.arraycopy(inputs.get(i).pixels(), 0, pixels, i * per, per);
            }
            float[] probabilities = model.predict(pixels, kept.size());
            for (int i = 0; i < kept.size(); i++) {
                Probe p = kept.get(i);
                cases.add(new Performance.Case(p.group(), "unknown", p.tumor(), probabilities[i] >= threshold, probabilities[i], false));
            }
        }
        return cases;
    }

    /**
     * The rule: promote only when the candidate is better (accuracy higher by more than {@code minGain}) on every
     * target group with rows, and no other group loses more than {@code margin} of accuracy, sensitivity or specificity.
     * Each group's verdict is written into its entry.
     *
     * @return true to promote
     */
    public static boolean decide(Map<String, JsonObject> comparison, Set<String> targets, double minGain, double margin) {
        boolean promote = !targets.isEmpty();
        for (String target : targets) {
            if (!comparison.containsKey(target)) {
                promote = false;
                comparison.put(target, new JsonObject().put("n", 0).put("target", true)
                        .put("verdict", "no held-out confirmed rows: cannot show the candidate is better"));
            }
        }
        for (Map.Entry<String, JsonObject> e : comparison.entrySet()) {
            JsonObject entry = e.getValue();
            if (!entry.containsKey("active")) {
                continue;
            }
            boolean target = targets.contains(e.getKey());
            double activeAccuracy = value(entry.getJsonObject("active"), "accuracy");
            double candidateAccuracy = value(entry.getJsonObject("candidate"), "accuracy");
            double gain = candidateAccuracy - activeAccuracy;
            entry.put("target", target).put("accuracy_gain", gain);
            if (target) {
                boolean better = gain > minGain;
                entry.put("verdict", better ? "better" : "not better (accuracy gain " + round(gain) + ", needs more than " + minGain + ")");
                promote &= better;
            } else {
                double sensitivityLoss = loss(entry, "sensitivity");
                // a hospital's healthy patients count too: more false alarms there is worse for it, whatever its accuracy
                double specificityLoss = loss(entry, "specificity");
                boolean holds = -gain <= margin && sensitivityLoss <= margin && specificityLoss <= margin;
                entry.put("verdict", holds ? "holds (within " + margin + ")"
                        : "worse beyond the margin " + margin + " (accuracy " + round(gain) + ", sensitivity " + round(-sensitivityLoss)
                        + ", specificity " + round(-specificityLoss) + ")");
                promote &= holds;
            }
        }
        return promote;
    }

    /** How much of a proportion the candidate loses against the active model (0 when either has none, e.g. no tumors). */
    private static double loss(JsonObject entry, String name) {
        JsonObject a = entry.getJsonObject("active").getJsonObject(name);
        JsonObject c = entry.getJsonObject("candidate").getJsonObject(name);
        return a == null || c == null ? 0 : a.getDouble("value") - c.getDouble("value");
    }

    private static double value(JsonObject figures, String name) {
        JsonObject f = figures.getJsonObject(name);
        return f == null ? 0 : f.getDouble("value");
    }

    private static String round(double x) {
        return String.format(java.util.Locale.ROOT, "%+.4f", x);
    }

    /** The active version and its folder, from the registry tables. */
    public static Optional<String> activeVersion(DatabaseTarget db) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.jdbcProperties());
             PreparedStatement s = c.prepareStatement("SELECT version FROM model_activation ORDER BY id DESC LIMIT 1");
             ResultSet rs = s.executeQuery()) {
            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }

    /**
     * Copies the candidate into the registry's folder and registers and activates it, with their audit rows, in
     * one transaction. A server using this database serves it from its next start.
     */
    public static void promote(DatabaseTarget db, Path modelsRoot, Path candidate, String version, String descriptorJson,
                               String architecture, String name, String created, JsonObject comparison) throws SQLException, IOException {
        Path target = modelsRoot.resolve(version);
        if (Files.exists(target)) {
            throw new IllegalStateException("model version " + version + " is already registered: train with another --model-version");
        }
        Path staging = modelsRoot.resolve(".staging-" + UUID.randomUUID());
        Files.createDirectories(modelsRoot);
        try (Stream<Path> walk = Files.walk(candidate)) {
            for (Path p : walk.toList()) {
                Path to = staging.resolve(candidate.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.jdbcProperties())) {
            c.setAutoCommit(false);
            try (PreparedStatement r = c.prepareStatement("""
                         INSERT INTO model_registry (version, name, architecture, created, source, registered_by, descriptor)
                         VALUES (?, ?, ?, ?, 'train', 'system:train', ?::jsonb)""");
                 PreparedStatement a = c.prepareStatement("INSERT INTO model_activation (version, activated_by) VALUES (?, 'system:train')");
                 PreparedStatement audit = c.prepareStatement("""
                         INSERT INTO audit_log (actor_name, actor_role, hospital, action, target_type, target_id, outcome, details)
                         VALUES ('system:train', 'admin', '*', ?, 'model', ?, 'success', ?::jsonb)""")) {
                r.setString(1, version);
                r.setString(2, name);
                r.setString(3, architecture);
                r.setString(4, created);
                r.setString(5, descriptorJson);
                r.executeUpdate();
                a.setString(1, version);
                a.executeUpdate();
                for (String action : new String[] {"model.upload", "model.activate"}) {
                    audit.setString(1, action);
                    audit.setString(2, version);
                    audit.setString(3, new JsonObject().put("source", "train --from-db").put("comparison", comparison).encode());
                    audit.executeUpdate();
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                org.mriclassifier.models.ModelBundle.delete(target);
                throw e;
            }
        }
    }
}
